"""Property tests: on random Unicode text our tokenizer never raises and equals transformers'."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ANY_TEXT = st.text(max_size=80)
# words mixing vocabulary-like ASCII, accents, CJK, emoji, controls and whitespace
MIXED = st.lists(st.sampled_from(["the", "un", "aff", "able", "É", "é", "ß", "我", "是", "😀", "\u200b",
                                  "\x00", "\u00a0", " ", "\n", "[MASK]", "[", "]", "##", "-", "'", "."]),
                 max_size=30).map("".join)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(text=st.one_of(ANY_TEXT, MIXED))
def test_random_text_matches_transformers(text, tokenizer, hf_tokenizer):
    ours, theirs = tokenizer(text), hf_tokenizer(text)
    assert ours["input_ids"] == theirs["input_ids"]
    assert ours.word_ids() == theirs.word_ids()


@SETTINGS
@given(a=st.one_of(ANY_TEXT, MIXED), b=st.one_of(ANY_TEXT, MIXED), max_length=st.integers(3, 40))
def test_random_pairs_under_truncation(a, b, max_length, tokenizer, hf_tokenizer):
    ours = tokenizer(a, b, truncation=True, max_length=max_length)
    theirs = hf_tokenizer(a, b, truncation=True, max_length=max_length)
    for k in ("input_ids", "token_type_ids", "attention_mask"):
        assert ours[k] == theirs[k]


@SETTINGS
@given(ids=st.lists(st.integers(0, 30521), max_size=40))
def test_random_ids_decode_like_transformers(ids, tokenizer, hf_tokenizer):
    assert tokenizer.decode(ids) == hf_tokenizer.decode(ids)
    assert tokenizer.decode(ids, skip_special_tokens=True) == hf_tokenizer.decode(ids, skip_special_tokens=True)
