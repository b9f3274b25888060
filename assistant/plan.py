"""Stage 4 of the pipeline, `plan`: one fact ("single", the default) or an overview.

Overview questions: "Résume l'article sur Netflix", "What is the article about Moscow about?",
"De quoi parle le corpus ?".

They ask for no single fact, so word overlap with one sentence says little: the answer is built from
the article the question names (its chunks carry `title` = the article and character offsets) —
its title, its lead and its most central sentences, each quoted with its [n] — or, for the corpus,
from its largest articles, each with its lead sentence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from llama_index.core.schema import TextNode

from assistant.context import Context, Evidence, Plan
from assistant.retrieve import Hit, passage_language, search
from core.text import content_terms, guess_language, split_sentences

Weights = Callable[[list[str]], dict[str, float]]

_SUMMARY = (
    r"r[ée]sum\w*|synth[èe]\w*|de quoi (parle|traite)\w*|que (dit|raconte)|pr[ée]sente\w*|"
    r"summar\w*|overview|outline|what(?:'s| is| are)\b.*\babout|what does .* (say|cover|discuss|explain)|tell me about|gist|"
    r"qu(?:e |['’])(?:explique|d[ée]crit)"
)
_SUMMARY_RE = re.compile(rf"\b({_SUMMARY})\b", re.I)
# "Who hosts the programme … that *presented* his investigation?": a question opening on a fact's interrogative
# whose only summary word is "présente / presented" asks for the fact, not an overview.
_FACT_OPENING = re.compile(r"^\s*(who|whom|whose|which|when|where|how many|how much|qui|quel\w*|lequel|laquelle|combien|quand|où|"
                           r"en quelle|dans quel\w*|à quel\w*)\b", re.I)
_WEAK_SUMMARY = re.compile(r"^pr[ée]sente\w*$", re.I)
_CORPUS_TOPICS = re.compile(r"\b(sujets?|th[èe]mes?|topics?|subjects?|contient|contain\w*|cover\w*)\b", re.I)
_CORPUS_RE = re.compile(r"\b(corpus|ces documents|les documents|the documents|these documents|collection)\b", re.I)
_ARTICLE_RE = re.compile(
    r"\b(l['’]article|cet article|article|texte|billet|chronique|critique|post|review|essay|essai|document|story|piece|"
    r"[ée]ditorial|chapitre|chapter|section|page)\b", re.I
)
_SUBJECT_RE = re.compile(r"\b(?:sur|about|on|of|concernant|consacr[ée]e? [àa]|de|du|des|explaining|describing|expliquant|"
                         r"d[ée]crivant)\s+(.+?)\s*[?.!]*\s*(?:about\s*\??)?$", re.I)
# "l'article « Titre »", "the page “What is a package manager?”": the quoted title is the subject.
_QUOTED_TITLE_RE = re.compile(r"^\s*[«“\"]\s*(.+?)\s*[»”\"]")
# "What does the FAQ chapter on getting help *cover*?": the verb closing the question is not the subject.
_CLOSING_VERB_RE = re.compile(r"\s+(?:say|says|cover|covers|discuss|discusses|explain|explains)$", re.I)
# A question about a chapter or a page asks for all of it. An article titled with a heading path ("Chapitre 10. Debian
# et le noyau — 10.1. Puis-je installer … ?", see ingest/sections.py) opens a structured page: the chapter is the page.
_WHOLE_RE = re.compile(r"\b(chapitres?|chapters?|pages?|fichiers?|files?|manuel|manual|guide)\b", re.I)
_TITLE_PATH = " — "
# The subject inside a subject: what a source says about something names the something.
_INNER_SUBJECT_RE = re.compile(
    r".*\b(?:says?|dit|disent|raconte|explique|explains?|covers?)\s+(?:about|sur|de|au sujet de)\s+(.+)$"
    r"|.*\b(?:consacr[ée]e?s?|dédiée?s?|devoted|dedicated)\s+(?:à|a|aux|au|to)\s+(.+)$"
    r"|^(?:la |le |l['’]|the )?(?:faq|manuel|manual|guide)\b.*?\s(?:sur|on|about)\s+(.+)$", re.I)
_MIN_TERMS = 5  # shorter sentences (headings, bylines, links) are not summary material


def plan(ctx: Context) -> None:
    """Stage: for an overview question, the passages and sentences of the summary replace the hits."""
    wanted = detect(ctx.standalone)
    if wanted is None:
        return
    language = ctx.answer.language
    if wanted.kind == "corpus":
        _corpus(ctx, language)
    else:
        if wanted.framed:  # "what the FAQ says about X": the source's name and the framing words would find its cover page
            ctx.hits = search(ctx.tools, wanted.subject, ctx.top_k, exclude=ctx.exclude) or ctx.hits
        _article(ctx, wanted.subject, language)


def _corpus(ctx: Context, language: str) -> None:
    """The corpus's largest articles, each with its lead sentence."""
    components = ctx.tools.components
    articles = components.articles()
    chosen, quotes = [], []
    for source, title, _ in articles:  # largest first; an answer again (ctx.exclude) takes the next ones
        if len(chosen) >= ctx.settings.top_k:
            break
        nodes = components.article_nodes(source, title)
        span = lead_sentence(nodes[0], title) if nodes and nodes[0].node_id not in ctx.exclude else None
        if span:
            chosen.append(Hit(node=nodes[0], score=0.0))
            quotes.append(Evidence(len(chosen), *span, 0.0, nodes[0].get_content()[span[0] : span[1]]))
    documents = len({source for source, _, _ in articles})
    ctx.hits = chosen or ctx.hits
    ctx.plan = Plan("overview", corpus_intro(len(articles), documents, language))
    ctx.evidence = quotes


def _article(ctx: Context, subject: str, language: str) -> None:
    """The named article's lead and most central sentences (nothing changes when none is found)."""
    components = ctx.tools.components
    keys = [(str(h.node.metadata.get("source", "")), str(h.node.metadata.get("title", "")), h.score) for h in ctx.hits]
    language_asked = guess_language(subject)
    other = {(s, t) for h, (s, t, _) in zip(ctx.hits, keys) if passage_language(h.node.get_content()) != language_asked}
    across = components.across_words(ctx.settings, subject) if other else []  # no article in the other language: no lookup
    picked = pick_article(subject, keys, components.term_weights, also=across, also_in=other)
    if picked is None:
        return
    # "le chapitre …": every section under its heading. A page of HTML documentation is one chapter: its sections
    # follow its heading, which either titles its first section ("Chapitre 10. … — 10.1. …", ingest/sections.py) or
    # its own opening article when the chapter opens with a paragraph of its own (the page's first of several).
    leads = ctx.settings.tuning.overview_section_leads
    page = components.source_nodes(picked[0]) if _WHOLE_RE.search(ctx.standalone) and (
        _TITLE_PATH in picked[1] or leads) else []
    whole = bool(page) and (_TITLE_PATH in picked[1] or _opens_page(page, picked[1]))
    if whole:
        picked = (picked[0], picked[1].split(_TITLE_PATH)[0])
        nodes = page
    else:
        nodes = components.article_nodes(*picked)
    nodes = [n for n in nodes if n.node_id not in ctx.exclude]
    if not nodes:  # an answer again, and every passage of the article was in the last one: nothing is left
        ctx.hits = []
        return
    sections = _sections(nodes) if leads and whole else []
    if len(sections) >= 2:  # a chapter: what each of its sections opens with, in order
        picks = section_leads(nodes, sections, picked[1], leads)
    else:
        picks = summary_sentences(nodes, picked[1], components.term_weights, max(3, ctx.settings.max_answer_sentences))
    if not picks:
        return
    used = sorted({p.index for p in picks})
    ctx.hits = [Hit(node=nodes[i], score=0.0) for i in used]
    ctx.plan = Plan("overview", article_intro(picked[1], language))
    ctx.evidence = [Evidence(used.index(p.index) + 1, p.start, p.end, 0.0, nodes[p.index].get_content()[p.start : p.end])
                    for p in picks]


@dataclass(frozen=True)
class OverviewQuestion:
    kind: Literal["corpus", "article"]
    subject: str  # what the article is about ("Netflix"), or "" for the corpus
    framed: bool = False  # the subject is what a source says something about ("what the FAQ says about X")


def detect(question: str) -> OverviewQuestion | None:
    """The overview a question asks for, or None for a question about a fact."""
    corpus = _CORPUS_RE.search(question)
    if not (_SUMMARY_RE.search(question) or (corpus and _CORPUS_TOPICS.search(question))):
        return None
    if _FACT_OPENING.match(question) and all(_WEAK_SUMMARY.match(m.group(0)) for m in _SUMMARY_RE.finditer(question)) \
            and not (corpus and _CORPUS_TOPICS.search(question)):
        return None
    if corpus and not _ARTICLE_RE.search(question.replace("documents", "")):
        return OverviewQuestion("corpus", "")
    after = _ARTICLE_RE.split(question, maxsplit=1)
    tail = after[-1] if len(after) > 1 else question
    quoted = _QUOTED_TITLE_RE.match(tail)
    match = _SUBJECT_RE.search(tail)
    if quoted and content_terms(quoted.group(1)):
        subject = quoted.group(1).strip(" ?")
    else:
        subject = _CLOSING_VERB_RE.sub("", (match.group(1) if match else tail).strip(" «»“”\"'?.")).strip(" «»“”\"'?.")
    inner = _INNER_SUBJECT_RE.search(subject)  # "what the FAQ says about *release codenames*", "la FAQ consacré à *…*"
    inner_subject = next((g for g in inner.groups() if g), "") if inner else ""
    if content_terms(inner_subject):
        return OverviewQuestion("article", inner_subject.strip(" «»“”\"'?."), framed=True)
    if not content_terms(subject):
        return None
    return OverviewQuestion("article", subject)


def pick_article(subject: str, hits: list[tuple[str, str, float]], weights: Weights | None = None,
                 also: list[str] | None = None, also_in: set[tuple[str, str]] | None = None) -> tuple[str, str] | None:
    """The (source, title) the question names among retrieved (source, title, score) hits.

    An article whose title holds the subject's words wins (each word weighing its IDF by `weights`: a name every
    page of a manual holds names none of them); otherwise the best retrieved one. `also`: the subject's words in
    the corpus's other language ("getting help" -> "obtenir", "aider": a French chapter's title for an English subject),
    counted for the articles of `also_in` (those in that language) only.
    """
    own = set(content_terms(subject))
    translated = set(content_terms(" ".join(also or []))) - own
    idf = weights(sorted(own | translated)) if weights else {t: 1.0 for t in own | translated}
    total = sum(idf[t] for t in own)
    scores: dict[tuple[str, str], float] = {}
    for source, title, score in hits:
        key = (source, title)
        wanted = own | translated if also_in and key in also_in else own
        named = min(1.0, sum(idf[t] for t in wanted & set(content_terms(title))) / total) if total else 0.0
        scores[key] = max(scores.get(key, 0.0), named + score)
    return max(scores, key=scores.__getitem__) if scores else None


def _clean_sentences(text: str, title: str) -> list[tuple[int, int]]:
    """Sentences worth quoting: not the title again, not a link, not a byline, not a question (a FAQ's headings)."""
    title_terms = set(content_terms(title))
    # A line opening with a title of several words is that title with its byline or source ("• #Amazon … ? |
    # Cahiers du Cinéma (Décembre 2018)"), not a sentence of the article.
    heading = " ".join(title.split()).casefold() if len(title_terms) >= 3 else None
    out = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        terms = content_terms(sentence)
        if len(terms) < _MIN_TERMS or "http" in sentence or set(terms) <= title_terms or sentence.rstrip().endswith("?"):
            continue
        if heading and " ".join(sentence.split()).lstrip("•*-–— ").casefold().startswith(heading):
            continue
        out.append((start, end))
    return out


@dataclass(frozen=True)
class Pick:
    index: int  # which node (0-based, in document order)
    start: int
    end: int


def summary_sentences(nodes: list[TextNode], title: str, weights: Weights, count: int) -> list[Pick]:
    """The lead sentence, then the most central ones (sharing the article's frequent, rare words)."""
    spans, seen = [], set()
    for i, node in enumerate(nodes):
        for s, e in _clean_sentences(node.get_content(), title):
            key = " ".join(node.get_content()[s:e].split())
            if key not in seen:  # consecutive chunks overlap: a sentence in both is one sentence
                seen.add(key)
                spans.append((i, s, e))
    if not spans:
        return []
    terms = [content_terms(nodes[i].get_content()[s:e]) for i, s, e in spans]
    tf = Counter(t for sentence in terms for t in set(sentence))
    idf = weights(list(tf))

    def centrality(k: int) -> float:
        unique = set(terms[k])
        return sum(tf[t] * idf.get(t, 1.0) for t in unique) / math.sqrt(len(unique))

    lead = 0
    rest = sorted(range(1, len(spans)), key=centrality, reverse=True)[: max(0, count - 1)]
    chosen = sorted([lead, *rest])
    return [Pick(*spans[k]) for k in chosen]


def _opens_page(page: list[TextNode], title: str) -> bool:
    """`title` is the first of the page's several articles (`page`: its chunks in document order)."""
    titles = [str(n.metadata.get("title", "")) for n in page]
    return len(set(titles)) >= 2 and titles[0] == title


def _sections(nodes: list[TextNode]) -> list[list[int]]:
    """The indexes of `nodes` (in document order) grouped by their section title, in order."""
    groups: dict[str, list[int]] = {}
    for i, node in enumerate(nodes):
        groups.setdefault(str(node.metadata.get("title", "")), []).append(i)
    return list(groups.values())


def section_leads(nodes: list[TextNode], sections: list[list[int]], title: str, count: int) -> list[Pick]:
    """A chapter's summary: the lead sentence of its opening, then of each section in order, up to `count`."""
    picks: list[Pick] = []
    for group in sections:
        if len(picks) >= count:
            break
        section_title = str(nodes[group[0]].metadata.get("title", "")) or title
        lead = next(((i, span) for i in group if (span := lead_sentence(nodes[i], section_title))), None)
        if lead is not None:
            picks.append(Pick(lead[0], *lead[1]))
    return picks


def lead_sentence(node: TextNode, title: str) -> tuple[int, int] | None:
    spans = _clean_sentences(node.get_content(), title)
    return spans[0] if spans else None


INTRO = {
    "fr": ("Résumé de « {} » :", "Le corpus compte {} articles dans {} documents ; les principaux :"),
    "en": ("Summary of “{}”:", "The corpus holds {} articles in {} documents; the main ones:"),
}


def article_intro(title: str, language: str) -> str:
    return INTRO.get(language, INTRO["en"])[0].format(" ".join(title.split()))


def corpus_intro(articles: int, documents: int, language: str) -> str:
    return INTRO.get(language, INTRO["en"])[1].format(articles, documents)


# The assistant's own words about the corpus ("The corpus holds 48 articles in 5 documents; the main ones:"):
# counts taken from the index, not facts of a passage.
_OWN_FRAMING = re.compile("|".join(re.escape(intros[1]).replace(re.escape("{}"), r"\d+") for intros in INTRO.values()))


def without_own_words(answer: str) -> str:
    """`answer` without the corpus overview's own count of articles and documents (the eval's stated-facts
    metric checks passage facts only)."""
    return _OWN_FRAMING.sub(" ", answer)
