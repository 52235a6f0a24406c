"""What to do right now: the safety text for a situation, and the emergency numbers to go with it.

The urgent detector (nlp/urgent.py) names a situation (fire, gas, electric_shock,
flooding, entrapment, fall_from_height, medical, help), the frame that found it
(medical.stroke_signs …) and the ticket category. ``safety_key`` picks the text in
texts.SAFETY_INSTRUCTIONS: a shock to a person differs from sparking wires, a stuck
elevator from a locked room, a stroke from a seizure. The numbers line always has
119 / 120 / 110; the gas company's line (``emergency.gas_company_phone``) is added
where it helps — gas — and never invented when it is not configured.
"""

from __future__ import annotations

from bot.config import Config
from handlers.tickets import texts

# Frames of the medical situation with their own advice; the others get the general one.
MEDICAL_FRAMES = (("medical.stroke", "stroke"), ("medical.heart", "heart"), ("medical.seizure", "seizure"),
                  ("medical.bleeding", "bleeding"))


def safety_key(situation: str | None, category: str | None, frame: str = "") -> str | None:
    """The SAFETY_INSTRUCTIONS key for what was found; None when nothing fits (the general advice then)."""
    if situation == "electric_shock":
        return "power" if category == "power" else "electric_shock"  # sparks and live wires vs a person shocked
    if situation == "entrapment":
        return "elevator" if category == "elevator" else "entrapment"
    if situation == "medical":
        return next((key for prefix, key in MEDICAL_FRAMES if frame.startswith(prefix)), "medical")
    if situation and situation in texts.SAFETY_INSTRUCTIONS:
        return situation
    return category if category in texts.SAFETY_INSTRUCTIONS else None


def numbers_for(config: Config, category: str | None, key: str | None = None) -> str:
    """紧急电话：火警 119｜急救 120｜报警 110, with the gas company's line for gas when configured."""
    phone = config.emergency.gas_company_phone
    gas = texts.EMERGENCY_GAS_LINE.format(phone=phone) if phone and "gas" in (key, category) else ""
    return texts.EMERGENCY_NUMBERS.format(gas=gas)


def safety_text(config: Config, situation: str | None, category: str | None, frame: str = "") -> tuple[str, str]:
    """(instructions, numbers) for the situation."""
    key = safety_key(situation, category, frame)
    instructions = texts.SAFETY_INSTRUCTIONS.get(key or "", texts.URGENT_DEFAULT_INSTRUCTIONS)
    return instructions, numbers_for(config, category, key)
