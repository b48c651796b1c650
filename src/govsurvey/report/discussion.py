"""The chapter's closing parts, generated from the results and the street's fieldwork facts:
the limitations and the chapter summary. Every sentence is chosen by the numbers it states."""



def limitations_text(chapter):
    """Sample size against the model's free parameters, the sampling and the response rate, social
    desirability when someone helped respondents answer, common-method variance, screening and the
    cross-sectional design: one paragraph each, from config's fieldwork facts and the results."""
    w, L = chapter.w, chapter.w["limitations"]
    fieldwork = chapter.street.get("fieldwork") or {}
    screening = chapter.json("clean", "summary")
    structural = chapter.model.structural
    fit = chapter.json("sem" if structural else "measure", "fit")
    n, q = int(fit["ntotal"]), int(fit["npar"])
    ratio = n / q
    verdict = ("above_20" if ratio >= 20 else "above_10" if ratio >= 10 else "below_10" if ratio >= 1 else "below_1")
    size = L["sample_size"].format(n=n, q=q, ratio=f"{ratio:.1f}", verdict=L["ratio_verdict"][verdict],
                                   model=L["model"]["structural" if structural else "cfa"])
    if n < 200:
        size += L["small_n"]
    local = chapter.local
    population = local(fieldwork.get("target_population")) or L["population_default"]
    if fieldwork.get("probability_sample"):
        sampling = L["probability"].format(frame=local(fieldwork.get("frame")) or population)
    else:
        frame = L["frame"].format(frame=local(fieldwork["frame"])) if fieldwork.get("frame") else ""
        sampling = L["convenience"].format(sampling=_lower_first(local(fieldwork.get("sampling")) or "—", chapter.language), frame=frame,
                                           population=_lower_first(population, chapter.language))
    if fieldwork.get("invited"):
        invited = int(fieldwork["invited"])
        response = L["response_rate"].format(invited=invited, n_raw=screening["n_raw"],
                                             rate=f"{100 * screening['n_raw'] / invited:.1f}")
    else:
        response = L["response_unknown"]
    paragraphs = [size, w["sentence_join"].join([sampling, response])]
    if fieldwork.get("assisted_by"):
        paragraphs.append(L["desirability"].format(assisted=local(fieldwork["assisted_by"])))
    harman = chapter.json("measure", "harman")
    paragraphs.append(w["sentence_join"].join([
        L["method"].format(pct=f"{100 * harman['first_component_share']:.1f}"),
        L["screening"].format(n_excluded=screening["n_excluded"])]))
    paragraphs.append(L["cross_sectional" if structural else "cross_sectional_cfa"])
    return "\n\n".join(paragraphs) + "\n"


def _lower_first(text, language):
    """'Adult residents (18+) of L Street' inside an English sentence: 'adult residents …'."""
    return text[:1].lower() + text[1:] if language == "en" and text[1:2].islower() else text



