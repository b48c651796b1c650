rule measure:
    input:
        scored=rules.clean.output.scored,
        instrument=config["study"]["instrument"],
        model=config["study"]["model"],
    output:
        reliability="results/{street}/measure/reliability.csv",
        descriptives="results/{street}/measure/descriptives.csv",
        params="results/{street}/measure/cfa_params.csv",
        fit="results/{street}/measure/cfa_fit.json",
    log:
        "results/{street}/logs/measure.log",
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    script:
        "../../scripts/measure.py"
