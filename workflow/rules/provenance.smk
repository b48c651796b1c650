# The study's record for the reproducibility note: the resolved config (snapshot and hash) and
# the checksum of every input file it names. Every computing job records its own software
# beside its log (govsurvey.provenance); the chapter gathers those records.
PROVENANCE_INPUTS = {
    "raw_exports": [config["streets"][s]["raw_export"] for s in STREETS],
    "instrument": [config["study"]["instrument"]],
    "model": [config["study"]["model"]],
    "theory": THEORY_FILE,
    "interviews": [f for s in INTERVIEWS for f in interview_input_files(INTERVIEWS[s])],
    "cases": ([CASES["dimensions"], *CASES["files"]] if CASES else []),
}


rule provenance:
    input:
        **PROVENANCE_INPUTS,
    output:
        record="results/study/provenance.json",
        config="results/study/config.yaml",
    log:
        "results/study/logs/provenance.log",
    benchmark:
        benchmark_of("results/study/logs/provenance.log")
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    params:
        config=config,  # a changed setting writes a new record (and its hash)
        roles=list(PROVENANCE_INPUTS),
    script:
        "../../scripts/provenance.py"
