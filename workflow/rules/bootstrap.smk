# Bootstrap of indirect effects as scatter/gather: one job per shard of draws, one gather job.
# Draw i depends only on (seed, i), so the split does not change the result; finished shards
# are separate outputs, so a killed run resumes with the missing shards only.
BOOTSTRAP = config["analysis"]["bootstrap"]


rule bootstrap_shard:
    input:
        scored=rules.clean.output.scored,
        params=rules.sem.output.params_parquet,
        model=config["study"]["model"],
    output:
        shard="results/{street}/bootstrap/shard_{shard}.parquet",
    log:
        "results/{street}/logs/bootstrap_shard_{shard}.log",
    wildcard_constraints:
        shard=r"\d+",
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        draws=BOOTSTRAP["draws"],
        shards=BOOTSTRAP["shards"],
        seed=config["analysis"]["seed"],
    script:
        "../../scripts/bootstrap_shard.py"


rule bootstrap_gather:
    input:
        shards=lambda wildcards: expand(
            "results/{street}/bootstrap/shard_{shard}.parquet",
            street=wildcards.street,
            shard=range(BOOTSTRAP["shards"]),
        ),
        params=rules.sem.output.params_parquet,
    output:
        indirect="results/{street}/bootstrap/indirect.csv",
        indirect_parquet="results/{street}/bootstrap/indirect.parquet",
        summary="results/{street}/bootstrap/summary.json",
    log:
        "results/{street}/logs/bootstrap_gather.log",
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        draws=BOOTSTRAP["draws"],
        level=BOOTSTRAP["level"],
        seed=config["analysis"]["seed"],
    script:
        "../../scripts/bootstrap_gather.py"
