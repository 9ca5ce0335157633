"""Texts of `/codat-register language`."""

from __future__ import annotations

from core.i18n import N_, translated_texts

_TEXTS = {
    "SET_FRENCH": N_("I will write to you in French from now on."),
    "SET_ENGLISH": N_("I will write to you in English from now on."),
    "SET_AUTO": N_(
        "I will follow your Slack language setting (now: {language}). "
        "Change it with `/codat-register language fr` or `en`."
    ),
    "CURRENT": N_(
        "I write to you in {language} ({why}). Change it with `/codat-register language fr`, `en` or `auto`."
    ),
    "WHY_CHOSEN": N_("your choice"),
    "WHY_SLACK": N_("your Slack language"),
    "WHY_DEFAULT": N_("this workspace's default: your Slack language is not known yet"),
    "UNKNOWN_WORD": N_("I don't know the language `{word}`: use `fr`, `en` or `auto`."),
    "NAMES": {"en": N_("English"), "fr": N_("French")},
}

__getattr__ = translated_texts(_TEXTS)
