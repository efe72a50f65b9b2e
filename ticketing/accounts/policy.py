"""Password policy of traveller accounts (NIST SP 800-63B §3.1.1.2): length, not the email, not
a commonly used password. No composition rules: they make passwords weaker, not stronger."""

from __future__ import annotations

import unicodedata

from mobility.auth.passwords import MAX_PASSWORD_CHARS

from .errors import WeakPassword

MIN_PASSWORD_CHARS = 10

# Passwords of ten characters or more that head the public breach corpora (RockYou, the
# "most common passwords" lists): the ones an attacker tries first against any login.
COMMON_PASSWORDS: frozenset[str] = frozenset(
    """
    1234567890 0123456789 0987654321 9876543210 1111111111 0000000000 1234512345 1122334455
    1234567891 1qaz2wsx3edc 1q2w3e4r5t 1q2w3e4r5t6y 1q2w3e4r5t6y7u8i9o0p 123456789a 12345678910
    123123123123 123qweasdzxc qwertyuiop qwertyuiop123 qwerty1234 qwerty12345 qwerty123456
    qwertyuiopasdfghjkl asdfghjkl1 asdfghjkl123 zxcvbnm123 password12 password123 password1234
    password12345 password123456 passw0rd123 p@ssw0rd123 p@ssword123 passwordpassword
    iloveyou12 iloveyou123 iloveyou1234 princess12 princess123 sunshine12 sunshine123
    football12 football123 baseball12 baseball123 basketball basketball1 basketball123
    superman12 superman123 starwars12 starwars123 michael123 jennifer123 jessica123
    charlie123 welcome123 welcome1234 letmein123 letmein1234 trustno1234 monkey1234
    dragon1234 master1234 shadow1234 computer12 computer123 internet12 internet123
    whatever12 whatever123 changeme123 administrator admin12345 admin123456 adminadmin
    rootroot12 testtest12 test123456 abcdefghij abcdefg123 abcd123456 abc1234567
    abcdef123456 aaaaaaaaaa zzzzzzzzzz qazwsxedcrfv qazwsxedc123 1234qwerasdf 12345qwert
    12345qwerty qwert12345 passwort123 passwort12 ciao123456 juventus12 juventus123
    napoli1926 forzainter forzamilan forzaroma1 forzajuve1 juventus1897 inter1908
    milan1899 roma1927 lazio1900 passworditalia amoremio12 tiamo12345 ciaociao12
    italia2006 italia1234 """.split()
)


def normalise_password(password: str) -> str:
    """The form that is hashed and compared: NFKC, so the same password typed on two keyboards
    (composed or decomposed accents, full-width digits) is the same password."""
    return unicodedata.normalize("NFKC", password)


def check_password_policy(password: str, *, email: str) -> None:
    """Raise WeakPassword (422) naming the first rule `password` breaks."""
    pw = normalise_password(password)
    if len(pw) < MIN_PASSWORD_CHARS:
        raise WeakPassword(
            f"the password needs at least {MIN_PASSWORD_CHARS} characters", rule="min-length"
        )
    if len(pw) > MAX_PASSWORD_CHARS:
        raise WeakPassword(
            f"the password may have at most {MAX_PASSWORD_CHARS} characters", rule="max-length"
        )
    folded = pw.casefold()
    mail = email.casefold()
    if folded in {mail, mail.partition("@")[0]}:
        raise WeakPassword("the password must not be the email address", rule="is-email")
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        raise WeakPassword("the password is too common or too easy to guess", rule="common")
