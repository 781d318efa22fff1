"""The spoken call: "Nomor antrean, A, nol nol satu, silakan menuju loket satu".

Digits and letters are written as Indonesian words so that any speech voice, even one that is
not Indonesian, reads them right. Shared by the board, the officer console and the tests.
"""

LETTERS = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha", "I": "i",
    "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe", "Q": "ki", "R": "er",
    "S": "es", "T": "te", "U": "u", "V": "fe", "W": "we", "X": "eks", "Y": "ye", "Z": "zet",
}
DIGITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]


def number_words(n: int) -> str:
    """Indonesian words for 0 <= n < 1,000,000: 11 "sebelas", 100 "seratus", 1000 "seribu"."""
    if n < 0 or n >= 1_000_000:
        raise ValueError(n)
    if n < 10:
        return DIGITS[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{DIGITS[n - 10]} belas"
    if n < 100:
        tens, ones = divmod(n, 10)
        return f"{DIGITS[tens]} puluh" + (f" {DIGITS[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "seratus" if hundreds == 1 else f"{DIGITS[hundreds]} ratus"
        return head + (f" {number_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = "seribu" if thousands == 1 else f"{number_words(thousands)} ribu"
    return head + (f" {number_words(rest)}" if rest else "")


def digit_words(text: str) -> str:
    return " ".join(DIGITS[int(ch)] for ch in text)


def announcement(prefix: str, number: int, counter_number: int, mode: str = "digits") -> str:
    """The sentence the board speaks for a call of ticket prefix-number to a counter."""
    spoken_number = digit_words(f"{number:03d}") if mode == "digits" else number_words(number)
    letter = LETTERS.get(prefix.upper(), prefix.lower())
    return f"Nomor antrean, {letter}, {spoken_number}, silakan menuju loket {number_words(counter_number)}"
