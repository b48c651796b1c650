"""The power stage's two jobs: a shard of replications, and the gather."""

import pandas as pd

from govsurvey.power.population import study_population
from govsurvey.power.settings import population_values
from govsurvey.power.simulate import Plan, run_replications, shard_work
from govsurvey.power.summary import gather


def study_plan(model, data, params, settings, log=None, source="model", config_source="config.yaml"):
    """The Plan of the study's population (its fit, with config's values on top)."""
    population = study_population(model, data, params, population_values(settings), log=log,
                                  source=source, config_source=config_source)
    return Plan(population)


def run_shard(model, data, params, settings, seed, shard, log=None, source="model"):
    """The replications of shard `shard` of settings['shards']."""
    plan = study_plan(model, data, params, settings, log=log, source=source)
    work = shard_work(settings["sizes"], settings["replications"], settings["shards"], shard)
    return run_replications(plan, work, seed, log=log)


def gather_shards(frames, model, data, params, settings, seed, log=print, source="model",
                  shards_source="power shards"):
    """(power table, smallest-N table, RMSEA table, summary) of all shards' replications."""
    plan = study_plan(model, data, params, settings, log=log, source=source)
    frame = pd.concat(frames, ignore_index=True)
    table, smallest, rmsea, summary = gather(frame, plan, settings, seed, source=shards_source)
    summary["shards"] = len(frames)
    log(f"power: {summary}")
    return table, smallest, rmsea, summary
