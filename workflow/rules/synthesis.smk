# Mixed-methods synthesis (config synthesis; runs for a street with interviews or that is the
# focal case): the joint display of survey, interview and case evidence per problem and cause,
# with a verdict by the rule in govsurvey.synthesis.joint, and the optimisation path built from it.
rule synthesis:
    input:
        unpack(synthesis_inputs),
        instrument=config["study"]["instrument"],
        library=library("synthesis.py"),
    output:
        **stage_files("synthesis"),
    log:
        log_file("synthesis"),
    benchmark:
        benchmark_of(log_file("synthesis"))
    conda:
        "../../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        settings=synthesis_settings,
    script:
        "../../scripts/synthesis.py"
