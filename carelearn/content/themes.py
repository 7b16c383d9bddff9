"""The themes feedback is sorted into. Staff tag what they hear with them, the public form's
aspects map onto them, and each module's metadata names the themes its training answers, so a
team's weakest themes point at the modules to do next."""

FEEDBACK_THEMES: dict[str, str] = {
    "listening": "Listening",
    "kindness": "Kindness and respect",
    "information": "Information and explanations",
    "waiting": "Waiting and delays",
    "cleanliness": "Cleanliness",
    "privacy-dignity": "Privacy and dignity",
    "phone-access": "Phones and getting through",
    "conflict": "Tension and complaints handled",
    "extra-support": "Extra support and access needs",
}

# The public form's aspects, each the theme it speaks to.
ASPECT_THEMES: dict[str, str] = {
    "listened": "listening",
    "kindness": "kindness",
    "information": "information",
    "waiting": "waiting",
    "cleanliness": "cleanliness",
}
