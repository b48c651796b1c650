rule sem:
    input:
        scored=rules.clean.output.scored,
        model=config["study"]["model"],
    output:
        params="results/{street}/sem/params.csv",
        params_parquet="results/{street}/sem/params.parquet",
        fit="results/{street}/sem/fit.json",
        fit_table="results/{street}/sem/fit_table.csv",
        r2="results/{street}/sem/r2.csv",
        admissibility="results/{street}/sem/admissibility.json",
    log:
        "results/{street}/logs/sem.log",
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    script:
        "../../scripts/sem.py"
