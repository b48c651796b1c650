# Sample-size planning by Monte Carlo (govsurvey.power) as scatter/gather, like the bootstrap:
# replication r at size N depends only on (seed, N, r), so the split into shards does not change
# the result, and a killed run redoes only the missing shards. The shards start from the sem
# step's fit (its parameter table); none fits the study's sample again.
from govsurvey.paths import POWER_SHARD
from govsurvey.power.settings import check_settings as check_power_settings
from govsurvey.power.settings import observed_variables

if POWER_ON:
    check_power_settings(
        POWER,
        len(observed_variables(MODEL)),
        source=workflow.configfiles[-1] if workflow.configfiles else "config",
    )
# What the replications depend on (the shards' params), and what the gather adds: the target,
# the RMSEA test and the analysis's significance level (one alpha for the study and its power).
POWER_DRAWS = {k: POWER[k] for k in ("sizes", "replications", "shards", "population")}
POWER_SETTINGS = {**POWER, "alpha": config["analysis"]["alpha"]}


rule power_shard:
    input:
        scored=rules.clean.output.scored,
        params=rules.sem.output.params_parquet,
        model=config["study"]["model"],
        library=library("power_shard.py"),
    output:
        shard=f"results/{{street}}/power/{POWER_SHARD}",
    log:
        log_file("power_shard_{shard}"),
    benchmark:
        benchmark_of(log_file("power_shard_{shard}"))
    wildcard_constraints:
        shard=r"\d+",
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        settings=POWER_DRAWS,
        seed=config["analysis"]["seed"],
    script:
        "../../scripts/power_shard.py"


rule power_gather:
    input:
        shards=lambda wildcards: expand(
            f"results/{{street}}/power/{POWER_SHARD}",
            street=wildcards.street,
            shard=range(POWER["shards"]),
        ),
        scored=rules.clean.output.scored,
        params=rules.sem.output.params_parquet,
        model=config["study"]["model"],
        library=library("power_gather.py"),
    output:
        **stage_files("power"),
    log:
        log_file("power_gather"),
    benchmark:
        benchmark_of(log_file("power_gather"))
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        settings=POWER_SETTINGS,
        seed=config["analysis"]["seed"],
    script:
        "../../scripts/power_gather.py"


# `snakemake power`: the power study of the report street (whether or not power.enabled).
rule power:
    input:
        **stage_files("power", REPORT_STREET),
