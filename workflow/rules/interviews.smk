# Interviews (config interviews.<street>): transcripts, register, codebook and coding read,
# personal data masked before anything is written, then the tables and the saturation figure.
rule interviews:
    input:
        files=lambda wildcards: interview_input_files(INTERVIEWS[wildcards.street]),
        instrument=config["study"]["instrument"],
        library=library("interviews.py"),
    output:
        **stage_files("interviews"),
        **reported(
            interview_figure_files(LANGUAGES),
            "saturation",
            "Figures",
            "{street}",
            [f"saturation_{lang}_png" for lang in LANGUAGES],
        ),
    log:
        log_file("interviews"),
    benchmark:
        benchmark_of(log_file("interviews"))
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        settings=lambda wildcards: INTERVIEWS[wildcards.street],
        languages=LANGUAGES,
    script:
        "../../scripts/interviews.py"
