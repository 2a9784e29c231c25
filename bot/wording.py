"""Every sentence a member reads, in one place, so all platforms say the same thing."""

from __future__ import annotations

from bot.views import HelpEntry, ScheduleView

COMMAND = "/flask-quiz"

HELP: tuple[HelpEntry, ...] = (
    HelpEntry(f"{COMMAND}", "A private practice question, picked by spaced repetition."),
    HelpEntry(f"{COMMAND} <topic> <level>", "Practice one topic and/or level, e.g. `routing senior`."),
    HelpEntry(f"{COMMAND} daily", "Post this channel's daily question now (admins)."),
    HelpEntry(f"{COMMAND} leaderboard [week|month|all]", "The top members and your own rank."),
    HelpEntry(f"{COMMAND} stats", "Your answers, accuracy per topic, streaks and reviews due."),
    HelpEntry(f"{COMMAND} schedule", "When this channel's daily question is posted."),
    HelpEntry(f"{COMMAND} schedule set HH:MM <Area/City> [mon,tue,...] [window=MIN]",
              "Set the daily schedule (admins)."),
    HelpEntry(f"{COMMAND} schedule pause|resume|remove", "Pause, resume or remove the schedule (admins)."),
    HelpEntry(f"{COMMAND} report <question-id> <what is wrong>", "Tell the maintainers a question is wrong."),
    HelpEntry(f"{COMMAND} forget-me", "Delete everything the bot stores about you."),
    HelpEntry(f"{COMMAND} help", "This list."),
)

REASON = {
    "review": "Due for review",
    "new": "New question",
    "ahead": "Review ahead of schedule (you have seen every question here)",
}

CORRECT = "Correct!"
WRONG = "Not quite."
ALREADY_ANSWERED = "You have already answered this round; answers are final."
NO_QUESTIONS = "No questions match that topic and level. Try `{cmd} help` for the topics."
LOW_POOL = "Only {n} unseen question(s) left for this channel; after that, questions repeat."
FORGOTTEN = "Done: your answers, scores, streaks and review history are deleted."
NOTHING_TO_FORGET = "There was nothing stored about you."
REPORTED = "Thanks: your report on {qid} is saved for the maintainers."
UNKNOWN_COMMAND = "I don't know `{text}`. Here is what I can do:"
NO_SCHEDULE = "This channel has no daily schedule yet."
SCHEDULE_SAVED = "Saved: {when}."
PAUSED = "The daily question is paused in this channel."
RESUMED = "The daily question is back on in this channel."
REMOVED = "The schedule for this channel is removed."
LOST_REASON = "the bot could not post here on {when} ({error})"
CHANNEL_LOST = ("I could not post today's question in {channel}: I no longer have access there. Its daily "
                "schedule is paused. Give me back permission to view the channel and send messages, then "
                "resume the schedule from that channel.")
PAUSED_BECAUSE = "paused: {reason}"


def paused_state(sv: ScheduleView) -> str:
    """How a paused schedule describes itself: why, when the bot paused it."""
    return PAUSED_BECAUSE.format(reason=sv.paused_reason) if sv.paused_reason else "paused"
ROUND_OPEN = "A round is already open in this channel; it closes {when}."
NOT_ADMIN = "Only admins can do that."
NO_OPEN_ROUND = "There is no open question to answer right now. Type `{cmd}` to practise."
OPEN_PROMPT = "Type your answer in a few sentences (up to 1,500 characters)."
CHOICE_PROMPT = "Answer with a letter ({letters})."
POINTS = "+{n} points"
# Labels every renderer uses (each platform adds its own bold/italics around them).
YOU_CHOSE = "You chose"
RIGHT_ANSWER = "Right answer"
MISSED = "missed"
MODEL_ANSWER = "Model answer"
DOCS = "Docs"
NEXT_REVIEW = "Next review of this question: {when}"
NOT_ON_BOARD = "You are not on this board yet: answer a daily question to join."

# Refusals and errors shown to members
TYPE_ANSWER = "Type your answer in a sentence or two."
PICK_OPTION = "Pick one of the options."
NO_ROUND = "That round does not exist."
ROUND_CLOSED = "This round has closed; the answer has been revealed in the channel."
QUESTION_GONE = "This question is no longer in the question packs."
ROUND_OTHER_QUESTION = "That round asks a different question."
ROUND_OTHER_COMMUNITY = ("That question belongs to another community's channel, so it cannot be answered from "
                         "here. Answer it in the channel where it was posted.")
NO_OPEN_ROUND_HERE = "There is no open round in this channel."
ROUND_ALREADY_CLOSED = "That round was already closed."
UNKNOWN_COMMAND_SHORT = "Unknown command."
REPORT_REASON = "Say briefly what is wrong with the question."
BAD_WINDOW = "The answer window must be between 5 minutes and 7 days."
NO_MATCHING_QUESTIONS = "No questions match those topics and levels."
UNKNOWN_TOPIC = "Unknown topic {topic!r}. Topics: {topics}."
UNKNOWN_LEVEL = "Unknown level {level!r}. Levels: {levels}."
NO_SUCH_QUESTION = "There is no question {qid!r}."
UNKNOWN_TOPICS = "Unknown topic(s) {bad}. Topics: {topics}."
LEVELS_ARE = "Levels are {levels}."

TOO_FAST = "You are going faster than I can keep up with. Please try again in {when}."
INPUT_TOO_LONG = ("That is longer than any command needs ({length:,} characters; the limit is {limit:,}). "
                  "Try a shorter one.")
GUILD_ONLY = "drillbot works in a server's channels, not in direct messages. Use it in a channel of your server."
BAD_BUTTON = "That button is not one I made, or it is out of date. Use the buttons under a current question."
BAD_OPTIONS = "I could not read that command's options. Pick them from the list Discord offers and try again."
BAD_REQUEST = "I could not read that request. Please try again from the message or the command."
ADMIN_CHECK_FAILED = ("I could not check your admin rights with Slack just now, so I did not do that. "
                      "Please try again in a minute.")


def shown(value: object, limit: int = 60) -> str:
    """A member's own text, quoted back to them, clipped so a reply always fits the platform's limits."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Guards on open answers (bot.grading.guards): nothing is recorded.
ANSWER_TOO_LONG = "Answers can be up to {limit} characters; yours has {length}. Keep to the heart of it."
OPEN_WANTS_SENTENCES = "This one wants a few sentences, not a letter: say it as you would in the interview."
ENGLISH_ONLY = "Answers are graded in English, so this one was not graded. Try it in English?"
KEYWORDS_ONLY = ("That reads like a list of keywords. Explain it in a sentence or two, as you would to an "
                 "interviewer.")
CONTRADICTED = "contradicted"
