# Bootstrap of indirect effects as scatter/gather: one job per shard of draws, one gather job.
# Draw i depends only on (seed, i), so the split does not change the result; finished shards
# are separate outputs, so a killed run resumes with the missing shards only. The shards start
# from the sem step's fit (its parameter table); none fits the full sample again.


rule bootstrap_shard:
    input:
        scored=rules.clean.output.scored,
        params=rules.sem.output.params_parquet,
        model=config["study"]["model"],
        library=library("bootstrap_shard.py"),
    output:
        shard=f"results/{{street}}/bootstrap/{BOOTSTRAP_SHARD}",
    log:
        log_file("bootstrap_shard_{shard}"),
    benchmark:
        benchmark_of(log_file("bootstrap_shard_{shard}"))
    wildcard_constraints:
        shard=r"\d+",
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        draws=BOOTSTRAP["draws"],
        shards=BOOTSTRAP_SHARDS,
        seed=config["analysis"]["seed"],
    script:
        "../../scripts/bootstrap_shard.py"


rule bootstrap_gather:
    input:
        shards=lambda wildcards: expand(
            f"results/{{street}}/bootstrap/{BOOTSTRAP_SHARD}",
            street=wildcards.street,
            shard=range(BOOTSTRAP_SHARDS),
        ),
        params=rules.sem.output.params_parquet,
        effects=rules.sem.output.effects,
        library=library("bootstrap_gather.py"),
    output:
        **reported(
            stage_files("bootstrap"), "effects", "Tables", "{street}", ["effects"]
        ),
    log:
        log_file("bootstrap_gather"),
    benchmark:
        benchmark_of(log_file("bootstrap_gather"))
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
