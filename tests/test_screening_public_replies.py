"""Incoming replies, measured on public data (issue 15): the general forms the reply rules
gained from the dev halves of bench/data/ (contempt or dehumanisation of a protected group,
killing wished on a group or on "you", first-person contempt of a person, disguised words,
self-promotion and premium-text spam), the learned model for what no rule names, and the
ordinary replies and society posts that must still pass.

The sentences are written for these tests, in the forms the rules cover, not copied from
the public sets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from inmm_tui.screening import RulesError, ScreenContext, default_rules, load_rules, screen
from inmm_tui.screening.disguise import respell, variants
from inmm_tui.screening.model import features, reply_model

TODAY = dt.date(2026, 3, 1)
ROOT = Path(__file__).resolve().parent.parent
SIGNED = " https://inmm.org/news ^JS"
REPLY_CATEGORIES = {"threat", "harassment", "discrimination", "accusation", "spam"}


def incoming(text: str, learned: bool = False) -> tuple[str, set[str]]:
    """The rules alone unless `learned`: each form below is the rules' to find."""
    result = screen(text, ScreenContext(direction="incoming", today=TODAY, learned=learned))
    return result.verdict, result.categories


@pytest.mark.parametrize(("text", "category"), [
    # A protected group and contempt, hatred or dehumanisation.
    ("I really can't stand disabled people.", "discrimination"),
    ("Muslims are a cancer on this country.", "discrimination"),
    ("Swarms of migrants are infesting our labs.", "discrimination"),
    ("Never trust a measurement taken by a woman.", "discrimination"),
    ("Gay people are absolutely despicable.", "discrimination"),
    ("I don't mind refugees, but most of them are pretty disgusting.", "discrimination"),
    ("Black people like you are not worthy of a seat at this meeting.", "discrimination"),
    ("Typical muzzie behaviour from that delegation.", "discrimination"),
    # A question that asserts is no negation.
    ("Isn't it obvious that I hate disabled people?", "discrimination"),
    ("Why don't we just get rid of refugees once and for all?", "threat"),
    ("It should be clear that immigrants are not human.", "discrimination"),
    # Killing wished or done to a group or to "you".
    ("Those immigrants ought to be executed.", "threat"),
    ("Death to all Jews.", "threat"),
    ("We'll torture you until you resign.", "threat"),
    ("Someone should slit the throats of every trans person at that conference.", "threat"),
    ("I want to end every refugee's life.", "threat"),
    ("We must not let any migrant live.", "threat"),
    # First-person contempt of a person; calling a person filth.
    ("I absolutely loathe you.", "harassment"),
    ("I have so much hatred for him.", "harassment"),
    ("You are absolute filth.", "harassment"),
    ("She's nothing but common trash.", "harassment"),
    ("What a total hypocrite, as always.", "harassment"),
    # Disguised words: digits for letters, letters spaced out, swapped, left out.
    ("I h4te immigrants.", "discrimination"),
    ("Women are a c a n c e r.", "discrimination"),
    ("I haet disabled people.", "discrimination"),
    ("I have so much hatrd for you women.", "discrimination"),
    ("I'm going to murdr every one of you.", "threat"),
    # Self-promotion and premium-text spam.
    ("Check out my channel and subscribe for more!", "spam"),
    ("If I get 100 subscribers I'll post the full tutorial", "spam"),
    ("URGENT! You have won a 900 GBP prize. Call 09061701461 to claim.", "spam"),
    ("Txt WIN to 80086 now for your free ringtone", "spam"),
])
def test_general_forms_reach_the_queue(text: str, category: str) -> None:
    verdict, found = incoming(text)
    assert verdict != "pass"
    assert category in found


@pytest.mark.parametrize("text", [
    # Negated or condemned: not contempt.
    "Let me be clear: I don't hate women.",
    "I would never hurt any refugee.",
    "We must not let women be attacked at our meetings.",
    "There is no hatred in my heart for disabled people.",
    # A group named with praise or as a fact.
    "Women belong in our government and on our board.",
    "Disabled people are an asset to every safeguards team.",
    "Three women were elected to the Executive Committee.",
    # Other senses of the words of contempt or violence.
    "I hate to say it, but the women's session was the best of the week.",
    "I hate pizza, but the conference lunch was fine.",
    "Let's eradicate those weeds around the sensor masts.",
    "Those kinds of plans ought to be executed quickly.",
    "I was ignorant of the deadline, sorry for the late abstract.",
    "Stop the trash talk, both teams played well.",
    "We treat refugees and migrants with respect.",
    "The arts programme for women scientists opens in May.",
    "Parasite won the Oscar; he's still just a rat in the sequel, says the review.",
    # Ordinary replies that share words with spam.
    "Thumbs up if you were at the webinar!",
    "Congratulations, you have been selected as a session chair!",
    "Does this count as a prize for the student paper contest?",
    "How do I subscribe to the journal?",
    "Could you check my abstract, and help me get the slides?",
    "You are entitled to a refund if you cancel before May.",
])
def test_ordinary_replies_pass(text: str) -> None:
    assert incoming(text, learned=True) == ("pass", set())


def test_a_member_pointing_to_their_own_paper_is_not_a_spam_rule() -> None:
    """No spam phrase fires; the learned model, trained on YouTube's self-promotion, warns
    (the moderator decides: docs/screening.md)."""
    text = "Check out my paper in JNMM on this, and follow my advice: register early."
    assert incoming(text) == ("pass", set())
    assert incoming(text, learned=True) == ("warn", {"spam"})


@pytest.mark.parametrize("text", [
    # Condemning hatred, ending discrimination, history and statistics of a group.
    "INMM condemns hate against women in STEM.",
    "We stand against hatred of Muslims and of Jews.",
    "Our aim: eradicate discrimination against refugees in hiring.",
    "Lesser-known women of the Manhattan Project, a talk by Dr. Lee.",
    "Women are tired of being underpaid, our salary survey finds.",
    "A vigil for the murder of women journalists worldwide.",
    # The profession's units and treaties, and the society's prizes and options.
    "Background rose to 40 counts per min, about 2 ppm above normal.",
    "Treaty entry into force is the topic of Tuesday's plenary.",
    "Members may opt out of the printed directory.",
    "The student paper award comes with a cash prize; free entry for students.",
    "Please subscribe to our newsletter and share this video with your students.",
    "Check out our new webinar series on safeguards by design.",
    "Subscribe to our newsletter for the Annual Meeting programme.",
    "Congratulations to the winners of the student paper prize!",
    "No business need for a Chinese nuclear plant, our members argue.",
    "We will execute the plan for the Annual Meeting as agreed.",
])
def test_society_posts_stay_out_of_the_reply_categories(text: str) -> None:
    found = screen(text + SIGNED, ScreenContext(today=TODAY)).categories
    assert found & REPLY_CATEGORIES == set()


def test_a_disguised_word_is_highlighted_where_it_is_written() -> None:
    text = "Honestly, I h4te w o m e n in this field."
    result = screen(text, ScreenContext(direction="incoming", today=TODAY, learned=False))
    [finding] = [f for f in result.findings if f.category == "discrimination"]
    assert text[finding.span[0]:finding.span[1]] == "h4te w o m e n"


def test_restored_forms_are_never_words_of_the_list() -> None:
    forms = variants(["hate", "hated", "kill", "women"])
    assert forms["haet"] == "hate" and forms["klil"] == "kill"
    assert "hated" not in forms  # a word of the list is never "corrected"
    assert "wome" not in forms  # one letter left out only in words of six letters or more
    assert variants(["parasites"]).get("parasite") is None  # not the last letter: singular
    assert variants(["hatred"])["hatrd"] == "hatred"
    rules = default_rules()
    plain = "We will discuss the 2026 programme."
    assert respell(plain, rules.disguised_words, rules.disguised_forms,
                   frozenset(plain.lower().split())) is None


# ----- the learned model -------------------------------------------------------------

MODEL_ONLY = ("People like you are the reason someone will eventually snap and do "
              "something drastic at one of these meetings.")


def test_the_model_flags_what_no_rule_names_with_a_warning() -> None:
    assert incoming(MODEL_ONLY) == ("pass", set())
    result = screen(MODEL_ONLY, ScreenContext(direction="incoming", today=TODAY))
    assert result.verdict == "warn"
    assert [f.rule for f in result.findings] == ["harassment.model"]


def test_the_model_reads_replies_only_and_can_be_turned_off(tmp_path: Path) -> None:
    outgoing = screen(MODEL_ONLY + SIGNED, ScreenContext(today=TODAY))
    assert not any(f.rule.endswith(".model") for f in outgoing.findings)
    text = (ROOT / "config" / "policy.toml").read_text()
    path = tmp_path / "policy.toml"
    path.write_text(text.replace("replies = true", "replies = false"))
    rules = load_rules(path)
    off = screen(MODEL_ONLY, ScreenContext(direction="incoming", today=TODAY, rules=rules))
    assert off.verdict == "pass"


def test_the_model_is_plain_python_and_its_classes_add_up() -> None:
    model = reply_model()
    probabilities = model.probabilities("Thanks for the great webinar!")
    assert abs(sum(probabilities) - 1) < 1e-9
    assert model.verdict("Thanks for the great webinar!") is None
    assert model.verdict("subscribe to my channel guys check out my new video") == "spam"


@pytest.mark.parametrize(("text", "rule"), [
    # Written for this test in the forms of the training-only data (bench/data/
    # reply_training.csv.gz): work-from-home spam, a third-person insult without a listed
    # word. The model of the fourth round passed both.
    ("I work from home and earn 500 a day, ask me how.", "spam.model"),
    ("Whoever wrote this writes nothing but ignorant drivel.", "harassment.model"),
])
def test_the_model_trained_on_more_data_warns_on_what_the_old_one_passed(
        text: str, rule: str) -> None:
    assert incoming(text) == ("pass", set())
    result = screen(text, ScreenContext(direction="incoming", today=TODAY))
    assert (result.verdict, [f.rule for f in result.findings]) == ("warn", [rule])


@pytest.mark.parametrize("text", [
    "Could you check my abstract, and help me get the slides?",
    "Please add captions to the videos for accessibility.",
    "Check the proceedings page for more information on the session.",
    "Kill the child process and wait for it to terminate.",
    "Raise an exception if the lock cannot be acquired within the timeout.",
    "Return the number of counts per minute recorded by the detector.",
])
def test_the_model_does_not_warn_on_requests_or_technical_prose(text: str) -> None:
    """Questions with "check", "help me", "please" and technical prose ("kill the
    process") are what a society's replies are made of: the spam and abuse thresholds are
    set so that the model warns on at most 2 of bench/screening.py's 8,806 docstrings."""
    assert reply_model().verdict(text) is None


def test_negation_marks_are_a_variant_the_shipped_model_does_not_use() -> None:
    """Marking the words after a negation ("I don't hate women" read as hate) was tried
    and not shipped (docs/screening.md, "Issue 15, replies, fifth pass"): the variant, in
    bench/reply_features.py, marks a clause's words after a negation, not after "nothing
    but"; without a variant it gives the package's own features; the shipped weights hold
    no marked word and no piece of a word."""
    sys.path.insert(0, str(ROOT / "bench"))
    from reply_features import features as variant

    text = "I don't hate women. They are not scum, nothing but people"
    assert variant(text) == features(text)
    marked = set(variant(text, negation="words"))
    assert {"NOT_hate", "NOT_women", "they", "NOT_scum", "people"} <= marked
    assert "hate women" in marked and "NOT_hate NOT_women" not in marked
    assert "NOT_hate NOT_women" in variant("I don't hate women", negation="pairs")
    assert "#h4t" in variant("h4te", pieces=(3,))
    assert not any(k.startswith(("NOT_", "#")) for k in reply_model().weights)


def test_the_model_is_loaded_by_the_first_incoming_reply_only() -> None:
    """Outgoing posts are never scored by the model, so its weights are not read until
    a reply is screened (a fresh interpreter: this one may have loaded them already)."""
    script = (
        "import datetime as dt\n"
        "from inmm_tui.screening import ScreenContext, screen\n"
        "from inmm_tui.screening.model import reply_model\n"
        "today = dt.date(2026, 3, 1)\n"
        "screen('Thanks for coming to the webinar! ^JS', ScreenContext(today=today))\n"
        "print(reply_model.cache_info().currsize)\n"
        "screen('Thanks!', ScreenContext(direction='incoming', today=today))\n"
        "print(reply_model.cache_info().currsize)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.split() == ["0", "1"]


# ----- the rules file ----------------------------------------------------------------

@pytest.mark.parametrize(("content", "message"), [
    ("[threat]\npair = 'x'\n", r"threat\.pair: expected tables"),
    ("[[harassment.pair]]\nnear = ['you']\n", r"harassment\.pair\[0\]\.with"),
    ("[[spam.pair]]\nwith = ['x']\n", r"spam\.pair\[0\]\.near: expected a list"),
    ("[[spam.pair]]\nnear = ['x']\nwith = ['y']\nwindow = -1\n", r"spam\.pair\[0\]\.window"),
    ("[learned]\nreplies = 'yes'\n", r"learned\.replies: expected true or false"),
])
def test_a_broken_pair_or_switch_is_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(content)
    with pytest.raises(RulesError, match=message):
        load_rules(path)


def test_pair_gates_never_change_a_result() -> None:
    """The word gates of the further pairs only skip pairs that cannot match."""
    rules = default_rules()
    ungated = dataclasses.replace(rules, sections={
        name: dataclasses.replace(section, pairs=tuple(
            dataclasses.replace(p, near_gate=dataclasses.replace(p.near_gate, always=True),
                                with_gate=dataclasses.replace(p.with_gate, always=True))
            for p in section.pairs))
        for name, section in rules.sections.items()})
    texts = ["I really can't stand disabled people.", "Those immigrants ought to be executed.",
             "I absolutely loathe you.", "Thanks, I loved the talk!", "I h4te immigrants.",
             "WINNER! Call 09061701461", "Let me be clear: I don't hate women."]
    for text in texts:
        context = {"direction": "incoming", "today": TODAY, "learned": False}
        assert screen(text, ScreenContext(rules=rules, **context)) == screen(
            text, ScreenContext(rules=ungated, **context)), text


@pytest.mark.parametrize("text", [
    "Our chapter in Lahore meets after Friday prayers; could the webinar start an hour later?",
    "Please pray for our colleague who was hurt in the lab accident.",
    "Will the panel discuss what the Republicans said about the lab budget?",
    "Happy to see Muslim and Jewish students side by side at the poster session!",
])
def test_a_reply_that_names_a_faith_or_politics_is_not_questionable(text: str) -> None:
    """The policy's "posts related to politics or religion" are about INMM's own posts; a
    reply is queued for what the policy's handling of replies names (threats, disrespect,
    derogatory or inaccurate comments), so the same words flag a post and not a reply."""
    assert incoming(text) == ("pass", set())
    outgoing = screen(text + SIGNED, ScreenContext(today=TODAY, topic="Awards"))
    assert "politics_religion" in outgoing.categories


@pytest.mark.parametrize("text", [
    "Muslims can't be trusted with nuclear secrets.",
    "Go back to your own country, nobody wants you at this meeting.",
])
def test_hostility_to_a_faith_or_origin_is_still_queued(text: str) -> None:
    verdict, categories = incoming(text)
    assert verdict != "pass" and "discrimination" in categories


# ----- general forms with a sentiment lexicon (VADER's word list: screening/lexicon.py) --
# Each hostile sentence is missed by the rules before these forms; none is taken from the
# public sets. The words of evaluation are the lexicon's, not a list of the rules file.

@pytest.mark.parametrize(("text", "category"), [
    # A protected group said to be something rated strongly negative.
    ("Refugees are basically dishonest and vicious.", "discrimination"),
    ("Honestly, trans people are so annoying and dishonest.", "discrimination"),
    ("Jewish people will always be deceitful.", "discrimination"),
    ("Migrants like you are utterly obnoxious.", "discrimination"),
    ("I feel nothing but scorn for blind people.", "discrimination"),
    ("I am sickened by all the lesbians at this meeting.", "discrimination"),
    ("Get those dreadful immigrants out of our labs.", "discrimination"),
    # "they" after the group's name stands for it.
    ("Some Muslims made it onto the board. They are still just vile to me.",
     "discrimination"),
    # A good quality denied to a whole group.
    ("No disabled person can ever be a trustworthy inspector.", "discrimination"),
    ("Women are never intelligent enough for this work.", "discrimination"),
    # "you" (or "your life") said to be something rated strongly negative.
    ("You are a horrid excuse for a chair.", "harassment"),
    ("Only you could be this arrogant and selfish.", "harassment"),
    ("People like you should know your life is meaningless.", "harassment"),
    ("Enough, you nasty liar!", "harassment"),
    # Violence after an intention or a wish, done to people.
    ("If only somebody would drown those people.", "threat"),
    ("How about we poison them at the banquet?", "threat"),
    ("Someone ought to poison him before the vote.", "threat"),
    # Disguises: a vowel left out of a short word, two words run together.
    ("Blck people are the absolute worst.", "discrimination"),
    ("I have nothing butcontempt for immigrants.", "discrimination"),
    ("These womendisgust me.", "discrimination"),
])
def test_lexicon_forms_reach_the_queue(text: str, category: str) -> None:
    verdict, found = incoming(text)
    assert verdict != "pass"
    assert category in found


@pytest.mark.parametrize("text", [
    # Fair criticism of the society and its events: a thing, not a person.
    "Your webinar was disappointing and the audio was terrible.",
    "The keynote was boring, and the Q&A was a disaster.",
    "Your registration site is awful; I gave up twice.",
    # States, grievances and the news about a group: not an evaluation of it.
    "Women are not safe walking to the venue at night.",
    "Refugees are dying at sea, and we should talk about it.",
    "Immigrants are not respected in many of our workplaces.",
    "Violence against women is horrific and must end.",
    "Hatred of Muslims is disgusting and has no place here.",
    "Disabled people are not lazy; the survey shows it.",
    "Women are great engineers, whatever the old guard says.",
    # "you" that is nobody in particular, or a question about a thing.
    "Thank you, the last session was awful for the speakers too.",
    "Did you have a bad experience with the hotel?",
    "You are wrong about the date: the deadline is May 3.",
    "I'm sorry you're sick, get well soon!",
    # Words of violence in their other senses.
    "We should cut their travel budget, not the student awards.",
    "I will destroy you at chess during the reception.",
    "Let's eradicate those weeds around the sensor masts.",
    # Long words that only look like two run together.
    "The transport workers met at the blackboard.",
])
def test_ordinary_replies_pass_the_lexicon_forms(text: str) -> None:
    assert incoming(text, learned=True) == ("pass", set())


@pytest.mark.parametrize("text", [
    "Medical errors can kill you: here is how hospitals prevent them.",
    "Five exercises that help you burn fat without a gym.",
    "Black women are more likely to die of breast cancer, a new study finds.",
    "The same five mistakes all women make with their pensions.",
    "Are you a mindless eater? Your environment matters more than willpower.",
])
def test_society_posts_stay_out_of_the_lexicon_forms(text: str) -> None:
    found = screen(text + SIGNED, ScreenContext(today=TODAY)).categories
    assert found & REPLY_CATEGORIES == set()


def test_the_lexicon_is_read_once_as_data() -> None:
    evaluation = default_rules().evaluation
    assert evaluation is not None
    words = evaluation.words()
    assert {"pathetic", "obnoxious", "vermin"} <= words  # the lexicon's and the file's own
    assert not {"sick", "wrong", "cancer"} & words  # states and fair criticism
    assert evaluation.words() is words


@pytest.mark.parametrize("text", [
    "What a load of bullsiht from the board.",
    "Fukc the organisers and their rules.",
    "These btiches never answer an email.",
])
def test_a_swear_word_with_two_letters_swapped_is_vulgar_in_a_reply(text: str) -> None:
    verdict, found = incoming(text)
    assert verdict == "block" and "vulgar_discriminatory" in found


def test_swapped_letters_are_read_in_replies_only_and_never_make_a_word() -> None:
    """Only swaps of words the lexicon knows, never the first letter, and in a
    four-letter word not the second: "carp" is a fish, "Fletcher" a name."""
    assert incoming("We caught a carp; Fletcher cooked it.") == ("pass", set())
    found = screen("What a load of bullsiht." + SIGNED, ScreenContext(today=TODAY)).categories
    assert "vulgar_discriminatory" not in found


@pytest.mark.parametrize(("text", "category"), [
    ("Why are refugees always so dishonest?", "discrimination"),  # the copula first
    ("Jewish people are greedy, every one of them.", "discrimination"),  # not in the lexicon
    ("Migrants deserve nothing but scorn.", "discrimination"),
    ("I am fed up with disabled people.", "discrimination"),
    ("I'd love to see those engineers hanged.", "threat"),  # a wish to see violence
])
def test_more_general_forms_reach_the_queue(text: str, category: str) -> None:
    verdict, found = incoming(text)
    assert verdict != "pass"
    assert category in found


@pytest.mark.parametrize("text", [
    "Refugees are so dishnoest.",  # two letters swapped in a word of the lexicon
    "Immigrants are utterly obnxoious.",  # in another place
    "Trans people are the w0rst.",  # a digit for a letter
    "Disabled people are v i c i o u s.",  # letters spaced out
])
def test_words_of_the_lexicon_are_read_through_disguises(text: str) -> None:
    assert "discrimination" in incoming(text)[1]


def test_the_lexicons_changed_forms_keep_the_first_letter_and_are_never_words() -> None:
    rules = default_rules()
    assert rules.evaluation is not None
    _, forms, lower_only = rules.evaluation.disguised(rules.disguised_words)
    assert "dishnoest" in lower_only
    assert forms["dishnoest"] == "dishonest"
    lexicons = {form: word for form, word in forms.items()
                if word not in rules.disguised_words}
    assert all(form[0] == word[0] and len(word) >= 6 for form, word in lexicons.items())
    assert not set(lexicons) & rules.evaluation.vocabulary()
