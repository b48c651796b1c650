# Case analysis (config cases): the cross-case matrix and what the focal street lacks, ranked by
# its standing in the comparison's IPMA, or in its construct means without a comparison.
rule cases:
    input:
        **case_standing(),
        files=CASES.get("files", []),
        dimensions=CASES.get("dimensions", []),
        bibliography=CASES.get("bibliography", []),
        instrument=config["study"]["instrument"],
        library=library("cases.py"),
    output:
        **case_files(),
    log:
        "results/study/logs/cases.log",
    benchmark:
        benchmark_of("results/study/logs/cases.log")
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        settings=CASES,
        # only where each surveyed street's export lies: a street's display details rerun nothing here
        streets={
            s: {"raw_export": v["raw_export"]} for s, v in config["streets"].items()
        },
    script:
        "../../scripts/cases.py"
