"""Daily rounds: slots in a channel's time zone (``slots``), schedules, the round's life from opening and
posting to closing and revealing (``lifecycle``), its rows (``store``) and its answers (``answers``)."""
