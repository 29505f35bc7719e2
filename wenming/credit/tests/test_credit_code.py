"""GB 32100 check character, shared by the storefront import and the credit network."""

from wenming.common.credit_code import credit_code_complete, credit_code_normalise, credit_code_valid
from wenming.org.services.imports import storefronts


def test_the_check_character_follows_gb_32100():
    # A published example code and the weights' arithmetic: 31 − (Σ mod 31), 31 → 0.
    assert credit_code_valid("91350100M000100Y43")
    assert not credit_code_valid("91350100M000100Y44")
    assert not credit_code_valid("91350100M000100Y4")  # 17 characters
    assert not credit_code_valid("91350100M000100I43")  # I is not in the alphabet
    code = credit_code_complete("91131100MA0000001")
    assert credit_code_valid(code) and len(code) == 18


def test_a_check_sum_of_zero_gives_the_character_zero():
    # Σ mod 31 == 0 → 31 − 0 = 31 → "0".
    assert credit_code_complete("00000000000000000") == "000000000000000000"
    assert credit_code_valid("000000000000000000")


def test_offices_typing_is_normalised():
    assert credit_code_normalise(" 9135 0100m000100y43 ") == "91350100M000100Y43"
    assert credit_code_normalise("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


def test_the_storefront_import_uses_the_shared_check_not_a_copy():
    assert not hasattr(storefronts, "CREDIT_WEIGHTS")
    assert storefronts.credit_code_valid is credit_code_valid
