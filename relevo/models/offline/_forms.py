"""Inflected forms of Spanish and Portuguese verbs, generated for the cue lexicons.

A lexicon lists a verb once, in the infinitive (``denunciar``, ``pasar``, ``transferir``), and the detectors
match what customers actually write: the infinitive with object pronouns attached ("denunciaros",
"denunciarlos", "pasarme"), the gerund ("pasándome"), the first person future ("denunciaré"), and the
imperative of every form of address with a pronoun attached ("pásame" tú, "páseme" usted, "pásenme" ustedes,
"pasadme" vosotros; Portuguese "passa-me", "me passe"). Bare imperatives ("pasa", "demanda") are left out on
purpose, and so is the first person present: they are also nouns ("la demanda de productos", "processo de
devolução") and would fire on statements.

Forms are written without accents and lower-case, the way the detectors normalise the customer's text.
"""

from __future__ import annotations

import functools

__all__ = ["finite_forms", "subjunctive_forms", "verb_forms"]

_ES_CLITICS = ("me", "te", "lo", "la", "le", "nos", "os", "los", "las", "les", "se", "melo", "mela", "noslo")
_PT_CLITICS = ("me", "te", "lo", "la", "nos", "vos", "los", "las", "lhe", "lhes", "o", "a", "os", "as")


def _es_subjunctive_stem(stem: str, ending: str) -> str:
    """The stem before a subjunctive ending (usted/ustedes imperative): spelling keeps the consonant's sound."""
    if ending != "ar":
        return stem
    for plain, kept in (("gu", "gu"), ("c", "qu"), ("g", "gu"), ("z", "c")):
        if stem.endswith(plain):
            return stem[: -len(plain)] + kept
    return stem


def _spanish(infinitive: str) -> set[str]:
    stem, ending = infinitive[:-2], infinitive[-2:]
    gerund = stem + ("ando" if ending == "ar" else "iendo")
    tu = stem + ("a" if ending == "ar" else "e")
    usted_stem = _es_subjunctive_stem(stem, ending)
    usted = usted_stem + ("e" if ending == "ar" else "a")
    ustedes = usted + "n"
    vosotros = infinitive[:-1] + "d"
    forms = {infinitive, gerund, infinitive + "e", infinitive + "emos", vosotros}
    for clitic in _ES_CLITICS:
        forms.update({infinitive + clitic, gerund + clitic, tu + clitic, usted + clitic, ustedes + clitic})
        # vosotros drops its -d before "os" ("pasaos"); otherwise the pronoun is simply attached ("pasadme").
        forms.add(infinitive[:-1] + "os" if clitic == "os" else vosotros + clitic)
    return forms


def _portuguese(infinitive: str) -> set[str]:
    stem, ending = infinitive[:-2], infinitive[-2:]
    vowel = ending[0]
    gerund = stem + vowel + "ndo"
    tu = stem + ("a" if ending == "ar" else "e")
    voce = stem + ("e" if ending == "ar" else "a")
    forms = {infinitive, gerund, infinitive + "ei", infinitive + "emos"}
    for clitic in _PT_CLITICS:
        forms.update(f"{base}-{clitic}" for base in (infinitive, gerund, tu, voce))
        # Brazilian Portuguese puts the pronoun first in speech ("me passa", "me transfira").
        forms.update(f"{clitic} {base}" for base in (tu, voce))
        # "processar" + "os" is written "processá-los": the -r falls and the pronoun gains an l.
        if clitic in ("o", "a", "os", "as"):
            forms.add(f"{stem}{vowel}-l{clitic}")
    return forms


@functools.cache
def verb_forms(infinitive: str, language: str) -> tuple[str, ...]:
    """Every generated form of ``infinitive`` in ``language`` (``"es"`` or ``"pt"``), longest first.

    A phrase ("poner una denuncia") or a verb of another language is returned as it is.
    """
    word = infinitive.strip().lower()
    if " " in word or len(word) < 4 or word[-2:] not in ("ar", "er", "ir"):
        return (word,)
    if language == "es":
        forms = _spanish(word)
    elif language == "pt":
        forms = _portuguese(word)
    else:
        return (word,)
    return tuple(sorted(forms, key=lambda form: (-len(form), form)))


def _spanish_finite(infinitive: str) -> set[str]:
    stem, ending = infinitive[:-2], infinitive[-2:]
    if ending == "ar":
        present = ("o", "as", "a", "amos", "ais", "an")
        preterite = ("e", "aste", "o", "amos", "asteis", "aron")
        imperfect = ("aba", "abas", "abamos", "abais", "aban")
        participle = stem + "ado"
    else:
        vowel = ending[0]
        present = ("o", "es", "e", vowel + "mos", ("eis" if vowel == "e" else "is"), "en")
        preterite = ("i", "iste", "io", "imos", "isteis", "ieron")
        imperfect = ("ia", "ias", "iamos", "iais", "ian")
        participle = stem + "ido"
    forms = {stem + end for end in (*present, *preterite, *imperfect)}
    # Perfect tenses: "no me ha ayudado", "no me has ayudado", "no me habeis ayudado", "no me habia servido".
    for auxiliary in ("he", "has", "ha", "hemos", "habeis", "han", "habia", "habias", "habian"):
        forms.add(f"{auxiliary} {participle}")
    gerund = stem + ("ando" if ending == "ar" else "iendo")
    for auxiliary in ("esta", "estas", "estan", "estais", "estoy"):
        forms.add(f"{auxiliary} {gerund}")
    return forms


def _portuguese_finite(infinitive: str) -> set[str]:
    stem, ending = infinitive[:-2], infinitive[-2:]
    vowel = ending[0]
    if ending == "ar":
        present = ("o", "as", "a", "amos", "am")
        preterite = ("ei", "aste", "ou", "amos", "aram")
        imperfect = ("ava", "avas", "avamos", "avam")
    else:
        present = ("o", "es", "e", vowel + "mos", "em")
        preterite = ("i", "este" if vowel == "e" else "iste", "eu" if vowel == "e" else "iu", vowel + "mos")
        preterite = (*preterite, vowel + "ram")
        imperfect = ("ia", "ias", "iamos", "iam")
    forms = {stem + end for end in (*present, *preterite, *imperfect)}
    participle = stem + ("ado" if ending == "ar" else "ido")
    # Perfect and progressive: "nao me tem ajudado", "nao esta funcionando", "nao esta a funcionar".
    for auxiliary in ("tem", "tens", "tinha", "temos", "teem"):
        forms.add(f"{auxiliary} {participle}")
    gerund = stem + vowel + "ndo"
    for auxiliary in ("esta", "estas", "estao", "ta", "tao"):
        forms.update({f"{auxiliary} {gerund}", f"{auxiliary} a {infinitive}"})
    return forms


@functools.cache
def finite_forms(infinitive: str, language: str) -> tuple[str, ...]:
    """The conjugated forms of a regular ``infinitive`` in ``language`` (``"es"`` or ``"pt"``), longest first.

    Present, preterite and imperfect in every person and form of address (tu, usted, vosotros, ustedes; tu,
    voce), the perfect ("ha ayudado", "tem ajudado") and the progressive ("esta funcionando", "esta a
    funcionar"), plus the infinitive itself ("sigue sin ayudar"). Stem-changing and irregular verbs ("sirve",
    "resuelve") are listed by the lexicon as they are: this generator only knows the regular endings. A phrase
    or a verb of another language is returned as it is.
    """
    word = infinitive.strip().lower()
    if " " in word or len(word) < 4 or word[-2:] not in ("ar", "er", "ir"):
        return (word,)
    if language == "es":
        forms = _spanish_finite(word)
    elif language == "pt":
        forms = _portuguese_finite(word)
    else:
        return (word,)
    forms.add(word)
    return tuple(sorted(forms, key=lambda form: (-len(form), form)))


_SUBJUNCTIVE_ENDINGS = {
    ("es", "ar"): ("e", "es", "emos", "eis", "en"),
    ("es", "er"): ("a", "as", "amos", "ais", "an"),
    ("pt", "ar"): ("e", "es", "emos", "em"),
    ("pt", "er"): ("a", "as", "amos", "am"),
}


@functools.cache
def subjunctive_forms(infinitive: str, language: str) -> tuple[str, ...]:
    """The present subjunctive of a regular ``infinitive`` in every person, longest first.

    It is the form of a negative command and of a wish about someone else's action: "no me pases", "no me
    pase", "no me pasen", "no me paseis" (tu, usted, ustedes, vosotros), "no quiero que me transfieran";
    Portuguese "nao me passe", "nao quero que me passem". Stem-changing verbs ("transfiera") are listed by
    the lexicon as they are. A phrase or a verb of another language is returned as it is.
    """
    word = infinitive.strip().lower()
    if " " in word or len(word) < 4 or word[-2:] not in ("ar", "er", "ir") or language not in ("es", "pt"):
        return (word,)
    stem, ending = word[:-2], word[-2:]
    if language == "es":
        stem = _es_subjunctive_stem(stem, ending)
    elif ending == "ar" and stem.endswith("c"):
        stem = stem[:-1] + "qu"  # "colocar" -> "coloque"
    endings = _SUBJUNCTIVE_ENDINGS[(language, "ar" if ending == "ar" else "er")]
    return tuple(sorted({stem + end for end in endings}, key=lambda form: (-len(form), form)))
