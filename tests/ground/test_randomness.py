import pytest

from tokenlab.randomness import RandomSource


def test_seeded_draws_are_reproducible() -> None:
    a, b = RandomSource(seed=1), RandomSource(seed=1)
    assert [a.hex("jti", 8) for _ in range(3)] == [b.hex("jti", 8) for _ in range(3)]
    assert RandomSource(seed=2).hex("jti", 8) != RandomSource(seed=1).hex("jti", 8)
    assert RandomSource(seed="1").hex("jti", 8) != RandomSource(seed=1).hex("jti", 8)


def test_a_new_kind_of_draw_does_not_shift_the_others() -> None:
    plain, mixed = RandomSource(seed=7), RandomSource(seed=7)
    expected = [plain.token_urlsafe("jti") for _ in range(3)]
    got = []
    for _ in range(3):
        mixed.bytes("something-new", 16)
        got.append(mixed.token_urlsafe("jti"))
    assert got == expected


def test_unseeded_draws_come_from_secrets_and_differ() -> None:
    r = RandomSource()
    assert not r.seeded
    assert len({r.token_urlsafe("x") for _ in range(50)}) == 50
    assert "secrets" in repr(r)


def test_seeded_source_says_demo_only() -> None:
    assert "demo-only" in repr(RandomSource(seed=1))


def test_token_urlsafe_has_no_padding() -> None:
    tok = RandomSource(seed=1).token_urlsafe("x", 16)
    assert len(tok) == 22 and "=" not in tok


@pytest.mark.parametrize("seed", [1.5, True, b"x", []])
def test_bad_seed_types(seed: object) -> None:
    with pytest.raises(TypeError, match="seed must be"):
        RandomSource(seed=seed)  # type: ignore[arg-type]
