"""Every sentence a member reads, in one place, so all platforms say the same thing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.views import Feedback, HelpEntry, ScheduleView, Summary

COMMAND = "/flask-quiz"

HELP: tuple[HelpEntry, ...] = (
    HelpEntry(f"{COMMAND}", "A private practice question, picked by spaced repetition."),
    HelpEntry(f"{COMMAND} <topic> <level>", "Practice one topic and/or level, e.g. `routing senior`."),
    HelpEntry(f"{COMMAND} daily", "Post this channel's daily question now (admins)."),
    HelpEntry(f"{COMMAND} leaderboard [week|month|all]", "The top members and your own rank."),
    HelpEntry(f"{COMMAND} stats", "Your answers, accuracy per topic, streaks and reviews due."),
    HelpEntry(f"{COMMAND} schedule", "When this channel's daily question is posted."),
    HelpEntry(f"{COMMAND} schedule set HH:MM <Area/City> [mon,tue,...] [window=8h]",
              "Set the daily schedule; what you leave out is kept (admins)."),
    HelpEntry(f"{COMMAND} schedule pause|resume|remove", "Pause, resume or remove the schedule (admins)."),
    HelpEntry(f"{COMMAND} schedule recap on|off", "The weekly recap in this channel (admins; on by default)."),
    HelpEntry(f"{COMMAND} report <question-id> <what is wrong>", "Tell the maintainers a question is wrong."),
    HelpEntry(f"{COMMAND} disputes", "Disputed daily grades waiting for a decision (admins)."),
    HelpEntry(f"{COMMAND} grant|decline <number>", "Grant (points added) or decline a disputed grade (admins)."),
    HelpEntry(f"{COMMAND} grading model on|off", "Let typed answers near the line go to the grading model "
              "configured in bot.toml (admins; answers leave the server)."),
    HelpEntry(f"{COMMAND} settings [points junior=10 mid=20 senior=30|points default] [timezone Area/City]",
              "This community's points per level and the boards' time zone (changes: admins)."),
    HelpEntry(f"{COMMAND} remind reviews HH [Area/City] | closing on | off", "Reminders by direct message "
              "(off until you turn them on): reviews due at your hour; the daily question closing in 1 h."),
    HelpEntry(f"{COMMAND} interview [junior|mid|senior] [length=6] [minutes=20]",
              "A private mock interview against the clock, no feedback until the scorecard; "
              "`interview history` lists past ones, `interview stop` ends one."),
    HelpEntry(f"{COMMAND} forget-me", "Delete everything the bot stores about you."),
    HelpEntry(f"{COMMAND} help", "This list."),
)

REASON = {
    "review": "Due for review",
    "new": "New question",
    "ahead": "Review ahead of schedule (you have seen every question here)",
    "chosen": "The question you asked for",
    "skipped": "Picked at random (the question due next is the one you skipped)",
}

CORRECT = "Correct!"
CHOSE_EACH = "Chosen"  # before the per-option counts at a reveal
WRONG = "Not quite."
# A typed answer is graded by its key points and the known wrong claims: one that passes may still
# hold a wrong claim nobody listed (a blind set of such answers: about two in three passed), so it
# is not called "Correct!", and the member is pointed to the model answer.
COVERS = "Covers the key points."
COVERS_CAVEAT = ("Checked for the key points and for known wrong claims, not sentence by sentence: "
                 "compare yours with the model answer.")
RESTARTING = "The bot is restarting; nothing was recorded. Please try again in a minute."
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
WELCOME_TITLE = "Hello, I am drillbot"
WELCOME = ("I help you get ready for Flask interviews: a daily question in the channels an admin picks "
           "(answers are private, the answer and a leaderboard are revealed when it closes), and private "
           "practice that brings back what you missed (spaced repetition).\n"
           "• Practise now: {practice}\n"
           "• Admins set the daily question in a channel with {schedule}\n"
           "• Every command: {help}")
MORE_TOPICS = "and {n} more topic(s)"
MISSING_PERMISSIONS = ("I am missing {missing} in this channel, so the daily question cannot show here as it "
                       "should. Give my role these permissions here (channel settings → Permissions), then "
                       "set the schedule again to check.")


def verdict(fb: Feedback) -> str:
    """The feedback's headline: "Correct!" for a right option, "Covers the key points." for a typed
    answer that passed, "Not quite." for anything else."""
    if not fb.correct:
        return WRONG
    return COVERS if typed(fb) else CORRECT


def typed(fb: Feedback) -> bool:
    """Feedback on a typed (open) answer: there is a model answer and no right option."""
    return fb.right is None and fb.model_answer is not None


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

# Rating one's own practice answer (spaced repetition), and overruling the grader.
RATE_PROMPT = "How well did you know it? Again, Hard, Good or Easy sets when it comes back."
RATED = "Noted: {rating}."
BAD_RATING = "Rate it with again, hard, good or easy."
NOTHING_TO_RATE = "There is no practice answer of yours to rate for that question."
OVERRULED = ("Noted: you were right. It counts as Good for your reviews, and your answer goes to the "
             "maintainers so the grader can learn from it.")
NOTHING_TO_OVERRULE = "There is no typed practice answer of yours to that question to overrule."
SCHEDULE_NEEDS_TIME = ("This channel has no schedule yet: give a time and a time zone, "
                       "e.g. `schedule set 09:30 Europe/Berlin`.")


def duration(minutes: int) -> str:
    """A window as people say it: "8 h", "1 h 30 min", "1 d", "45 min"."""
    d, rest = divmod(minutes, 24 * 60)
    h, m = divmod(rest, 60)
    parts = [f"{d} d" if d else "", f"{h} h" if h else "", f"{m} min" if m else ""]
    return " ".join(p for p in parts if p) or "0 min"


# The console (a terminal: one screen, several players taking turns with `/as`).
CONSOLE_HELP: tuple[HelpEntry, ...] = (
    HelpEntry(f"{COMMAND} [topic] [level]", "A practice question (shows your open one again, if any)."),
    HelpEntry(f"{COMMAND} <question-id>", "Practise exactly that question (ids are shown in each header)."),
    HelpEntry("/skip", "Drop your practice question and show the next one."),
    HelpEntry("/again /hard /good /easy", "Rate the practice answer you just gave: when it comes back."),
    HelpEntry("/right", "You think the grader was wrong about your typed answer: counts as Good, told to "
              "the maintainers."),
    HelpEntry("/daily", "Show the channel's open daily question again, or post one."),
    HelpEntry("/live [count=10] [topics=a,b] [levels=mid] [seconds=30]",
              "A live quiz: questions in a row against the clock, a running score, a podium. "
              "Type a letter to answer; `/live stop` ends it."),
    HelpEntry("/interview [junior|mid|senior] [length=6] [minutes=20]",
              "A private mock interview against the clock: no feedback until the scorecard. "
              "`/interview skip`, `/interview stop`, `/interview history`."),
    HelpEntry("/daily <answer>", "Answer the daily question, whichever question is on screen."),
    HelpEntry("/dispute", "Ask the admins to look again at your typed daily answer graded wrong."),
    HelpEntry("/disputes, /grant N, /decline N", "Disputed daily grades: list, grant or decline them."),
    HelpEntry("/leaderboard [week|month|all]", "The top players and your own rank."),
    HelpEntry("/stats", "Your answers, accuracy per topic, streaks and reviews due."),
    HelpEntry("/schedule", "When the daily question is posted."),
    HelpEntry("/schedule set [HH:MM] [Area/City] [mon,tue,…|weekdays] [window=8h] [topics=a,b|all] "
              "[levels=mid|all]", "Change the schedule; what you leave out is kept."),
    HelpEntry("/schedule pause|resume|remove", "Pause, resume or remove the schedule."),
    HelpEntry("/schedule recap on|off", "The weekly recap in this channel (on by default)."),
    HelpEntry("/settings [points junior=10 mid=20 senior=30|points default] [timezone Area/City]",
              "Points per level and the boards' time zone."),
    HelpEntry("/settings live [who=anyone|admins] [channel=1] [community=5] [cooldown=60] | live default",
              "Who may start a live quiz, how many may run at once, and the cool-down."),
    HelpEntry("/remind reviews HH [Area/City] | closing on | off", "Your reminders (off until you turn them on)."),
    HelpEntry("/close", "Close the daily round now and reveal its answer."),
    HelpEntry("/report <question-id> <what is wrong>", "Tell the maintainers a question is wrong."),
    HelpEntry("/forget-me", "Delete everything stored about you (asks you to type `yes`)."),
    HelpEntry("/as NAME", "Play as someone else; each player has their own questions."),
    HelpEntry("/help", "This list."),
    HelpEntry("/quit", "Leave (or Ctrl-D)."),
)
CONSOLE_RULES = ("While a question is open, anything that does not start with `/` is your answer: a letter "
                 "for a choice question, a few sentences for an open one. It goes to the question shown "
                 "last (its header says which); `/daily B` answers the daily question. With no question "
                 "open, commands work without the `/` too.")
CONSOLE_WELCOME = "Flask interview drill · you are {name} · type /help for commands, Ctrl-D to leave."
CONSOLE_UNKNOWN = "I don't know `{text}`."
CONSOLE_DID_YOU_MEAN = " Did you mean `{suggestion}`?"
CONSOLE_SEE_HELP = " Type `/help` for the commands."
CONSOLE_NOTHING_OPEN = ("No question is open for {name}. Type `/flask-quiz` for a practice question or `/daily` "
                        "for the channel's.")
CONSOLE_COMMAND_WORD = ("A question is open, so that would be your answer. Commands start with `/`: `/{word}`. "
                        "To answer with that word, type `/answer {word}`.")
CONSOLE_NOT_A_LETTER = "Answer with a letter ({letters}). Commands start with `/`, e.g. `/help`."
CONSOLE_STILL_OPEN_PRACTICE = "Your practice question is still open: answer it, or `/skip` for another."
CONSOLE_STILL_OPEN_DAILY = "The daily question is open; it closes {when}."
CONSOLE_OTHER_OPEN = {"practice": "Your practice question {qid} is open: `/flask-quiz` shows it again.",
                      "daily": "The daily question {qid} is open for you: `/daily` shows it again."}
CONSOLE_IS_DAILY = "That is the open daily question: `/daily` shows it, and your answer there counts."
CONSOLE_ONLY_DAILY = ("The only question left there is the open daily question: answer it with `/daily`, "
                      "or practise another topic or level.")
CONSOLE_NO_DAILY = "No daily question is open in #{channel}. `/daily` posts one."
CONSOLE_NO_PRACTICE = "You have no practice question open; here is one."
CONSOLE_SWITCHED = "You are now {name}."
CONSOLE_AS_USAGE = "Usage: /as NAME"
CONSOLE_FORGET_CONFIRM = ("This deletes your answers, scores, streaks and review history for good. "
                          "Type `yes` to delete them; anything else keeps them.")
CONSOLE_FORGET_KEPT = "Kept: nothing was deleted."
CONSOLE_ERROR = "Something went wrong with that line ({error}); it was logged and the console goes on."
CONSOLE_ANSWERED_TO = {"practice": "Practice · {qid}", "daily": "Daily #{round_id} · {qid}"}
CONSOLE_RATE = "Rate it for your reviews: /again /hard /good /easy (or just carry on)."
CONSOLE_RATE_OR_OVERRULE = ("Rate it for your reviews: /again /hard /good /easy, or /right if you think the "
                            "grader was wrong.")

# Disputed daily grades (bot.rounds.disputes).
DISPUTED = ("Sent to this community's admins: they will look at your answer to {qid} again, and you will be "
            "told what they decide.")
NOTHING_TO_DISPUTE = "You have no answer to that round to dispute."
DISPUTE_ONLY_WRONG_TYPED = "Only a typed answer that was graded wrong can be disputed."
ALREADY_DISPUTED = "You have already disputed this answer."
NO_DISPUTES = "No disputed grades are waiting."
DISPUTES_HEADER = "Disputed grades (grant or decline each by its number):"
DISPUTE_LINE = "#{id} {name} on {qid}: \u201c{text}\u201d"
NO_SUCH_DISPUTE = "There is no disputed grade #{id} in this community."
DISPUTE_DECIDED = "Dispute #{id} is already {status}."
DISPUTE_GRANTED = "Dispute #{id} granted: the answer now counts as correct (+{points} points)."
DISPUTE_DECLINED = "Dispute #{id} declined: the grade stands."
YOUR_DISPUTE_GRANTED = ("Your disputed answer to {qid} was granted by an admin: it now counts as correct "
                        "(+{points} points).")
YOUR_DISPUTE_DECLINED = "An admin looked at your disputed answer to {qid} again: the grade stands."
DISPUTE_BUTTON = "Dispute this grade"

# Model-assisted grading (bot.grading.model), opted in per community by its admins.
NO_GRADING_MODEL = "No grading model is configured for this bot ([grading] model_url in bot.toml)."
MODEL_GRADING_ON = ("Model-assisted grading is on: typed answers near the line are also shown to the configured "
                    "grading model (they leave this server). `grading model off` stops it.")
MODEL_GRADING_OFF = "Model-assisted grading is off: answers are graded here only."


def option_counts(sm: Summary) -> str:
    """How many chose each option at the reveal, the right one ticked: "A 12 · B 30 ✓ · C 3"."""
    if not sm.per_option:
        return ""
    tf = sm.question.kind == "truefalse"
    labels = sm.question.options if tf else tuple(chr(65 + i) for i in range(len(sm.per_option)))
    right = sm.question.options.index(sm.right) if sm.right in sm.question.options else -1
    return " · ".join(f"{label} {n}{' ✓' if i == right else ''}"
                      for i, (label, n) in enumerate(zip(labels, sm.per_option, strict=False)))


# Schedule confirmations: the next posts, in the channel's own zone.
NEXT_POSTS = "Next posts"


def channel_time(when: datetime, timezone: str) -> str:
    """A post time as the channel's clock shows it: "Mon 16 Nov 09:30 CET"."""
    local = when.astimezone(ZoneInfo(timezone))
    return f"{local:%a %d %b %H:%M} {local.tzname() or timezone}"


# The weekly recap (bot.rounds.recap).
RECAP_TITLE = "Weekly recap · {label}"
RECAP_BOARD = "This week's board"
RECAP_STREAKS = "Best streaks"
RECAP_MISSED = "Most missed"
RECAP_NO_BOARD = "Nobody scored this week."
RECAP_QUESTIONS = "{n} daily question(s) asked here."
RECAP_MISSED_LINE = "{prompt} ({correct} of {answered} right)"
RECAP_ON = "The weekly recap is on in this channel: it posts on the first scheduled day of each week."
RECAP_OFF = "The weekly recap is off in this channel."
RECAP_USAGE = "Usage: schedule recap on|off"


def streak_days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''} in a row"


# Reminders (bot.reminders), opted in per member.
REMIND_REVIEWS = "You have {n} practice question(s) due for review. Type `{cmd}` in a channel to go through them."
REMIND_CLOSING = "The daily question in {channel} closes in about an hour and you have not answered it yet."
REMIND_STOP = {"reviews": "Stop review reminders", "closing": "Stop these reminders"}
REMIND_STOPPED = {"reviews": "Review reminders are off. `{cmd} remind reviews HH` turns them on again.",
                  "closing": "Reminders before the daily question closes are off. `{cmd} remind closing on` "
                             "turns them on again."}
REMIND_STATE = "Your reminders here: reviews due {reviews}; before the daily question closes: {closing}."
REMIND_REVIEWS_AT = "at {hour:02d}:00 {timezone}"
REMIND_OFF = "off"
REMIND_ON = "on"
REMIND_USAGE = ("Usage: remind (shows yours) · remind reviews HH [Area/City] · remind reviews off · "
                "remind closing on|off · remind off")
REMIND_BAD_HOUR = "{value!r} is not an hour; give one from 0 to 23 (e.g. 8 or 08:00)."


# Community settings (bot.members.communities), changed by admins.
COMMUNITY_SETTINGS = "Points per right daily answer: {points} ({source}). Boards count weeks and months in {timezone}."
POINTS_OWN = "set here"
POINTS_DEFAULT = "the bot's defaults"
BAD_POINTS = "Points must be whole numbers from 0 to 1000."
SETTINGS_USAGE = ("Usage: settings (shows them) · settings points junior=10 mid=20 senior=30 · "
                  "settings points default · settings timezone Area/City · "
                  "settings live who=anyone|admins channel=1 community=5 cooldown=60 · settings live default")


# The Slack App Home's settings form (adapters.slack.home).
HOME_FORM_TITLE = "Daily question (admins)"
HOME_FORM_HINT = "Pick a channel and when its daily question posts; Save writes the same schedule as `schedule set`."
HOME_SAVE = "Save schedule"
HOME_ALL_TOPICS = "All topics"
HOME_PICK_CHANNEL = "Pick the channel the daily question goes to."
HOME_PICK_DAYS = "Pick at least one day."
HOME_SAVED = "Saved the schedule for {channel}."

# -- live sessions (bot.sessions) ----------------------------------------------------------------
LIVE_BAD_COUNT = "A live quiz has 1 to {most} questions, not {count}."
LIVE_BAD_SECONDS = "Give each question 10 to 300 seconds, not {seconds}."
LIVE_NO_QUESTIONS = "No choice or true/false questions match those topics and levels."
LIVE_ADMINS_ONLY = "Only admins may start a live quiz in this community."
LIVE_CHANNEL_BUSY = "A live quiz is already running in this channel; `live stop` ends it."
LIVE_COMMUNITY_BUSY = "{n} live quizzes are already running in this community; try again when one ends."
LIVE_COOLDOWN = "The last live quiz here ended just now; the next may start in {seconds} s."
LIVE_NOT_RUNNING = "That live quiz is over."
LIVE_NONE_HERE = "No live quiz is running in this channel."
LIVE_NOT_OPEN = "That question is closed."
LIVE_ALREADY_ANSWERED = "You already locked in an answer to this question."
LIVE_STOP_NOT_ALLOWED = "Only the one who started this quiz, or an admin, may stop it."
LIVE_JOINED = "You joined the live quiz."
LIVE_ALREADY_JOINED = "You are already in this quiz."
LIVE_LOCKED_IN = "Locked in: {chosen} after {seconds:.1f} s."
LIVE_NOT_HERE = "Live quizzes are not available here yet."
LIVE_STOPPED = "The live quiz was stopped."
LIVE_STARTING = "Starting the live quiz now."
LIVE_BEGIN_NOT_ALLOWED = "Only the one who started this quiz, or an admin, may start it early."
LIVE_LOBBY_POSTED = "Live quiz posted: players press Join; the questions follow in its thread."
LIVE_OPENED = "Your live quiz is open: players press Join; it starts {when} (or press Start)."
LIVE_STOPPED_BY_SOMEONE = "its starter or an admin"  # a podium sent again after a crash (who is not stored)
LIVE_STARTING_THREAD = "Starting: the first question is in the thread."

# The mock interview (bot.sessions.interviews).
INTERVIEW_BAD_MINUTES = "An interview lasts {low} to {high} minutes, not {minutes}."
INTERVIEW_RUNNING = ("You have an interview running (question {n} of {total}). Answer it, `interview skip` to "
                     "leave it unanswered, or `interview stop` to end it now.")
INTERVIEW_NONE = "You have no interview running. `interview` starts one (`interview senior`, `interview history`)."
INTERVIEW_EMPTY = "Say something: an empty answer is not stored. `interview skip` leaves the question unanswered."
INTERVIEW_LETTER = "This one is answered with a letter ({letters})."
INTERVIEW_MOVED_ON = ("That question is behind you: your interview is on question {n} of {total}; answer that "
                      "one (the newest message).")
INTERVIEW_LATE = "Time was up before that answer arrived, so it was not counted."
INTERVIEW_USAGE = ("Usage: interview [junior|mid|senior] [length=6] [minutes=20]; interview history; "
                   "interview skip; interview stop")
INTERVIEW_NOT_HERE = "Mock interviews are not available here yet; try them in the console (`drillbot console`)."
INTERVIEW_STEP = "question {n} of {total}"
INTERVIEW_HINT = "No feedback until the end, as in a real screen. `/interview skip` leaves it, `/interview stop` ends."
INTERVIEW_OVER = {"finished": "Interview over: that was the last question.",
                  "time": "Interview over: the time is up; what was unanswered counts as missed.",
                  "stopped": "Interview stopped; what was unanswered counts as missed."}
# ... where the question comes in a window with Skip and Stop buttons (Slack's modal).
INTERVIEW_HINT_BUTTONS = ("No feedback until the end, as in a real screen. Skip leaves a question unanswered; "
                          "Stop ends the interview now.")
INTERVIEW_ENDS = "The interview ends {when}."
INTERVIEW_OPEN = "Your interview is open: question {n} of {total} ({level}). It ends {when}."
INTERVIEW_REOPENED = "Your interview is still running: back at question {n} of {total} ({level}). It ends {when}."
INTERVIEW_CONTINUE_HINT = "Closed the window? Continue opens it again at your current question."
INTERVIEW_WINDOW_FAILED = ("The interview window did not open in time (the request expired). Press Continue to "
                           "open it at question {n} of {total}.")
INTERVIEW_STOP_CONFIRM = "It ends now; what is unanswered counts as missed."
INTERVIEW_SAVING = "Saving your answer…"
INTERVIEW_SAVE_FAILED = "Something went wrong saving that answer; it was not stored. Please try again."
INTERVIEW_ENDED = ("This interview has ended. Your scorecard came as a direct message; `interview history` "
                   "lists past interviews.")
INTERVIEW_NOT_THIS = "That button belongs to an interview that is over; your current interview is unchanged."
INTERVIEW_SCORE = "Score {score}/100 at {level}: {band}{change}."
INTERVIEW_CHANGE = " ({change:+d} since your last {level} interview)"
INTERVIEW_BY_TOPIC = "By topic"
INTERVIEW_STUDY = "Study list"
INTERVIEW_NOT_ANSWERED = "not answered"
INTERVIEW_NO_HISTORY = "{name} has no finished interviews yet. {start} starts one."
INTERVIEW_HISTORY_HEAD = "Interviews of {name}, newest first:"
INTERVIEW_HISTORY_ROW = "{when} · {level} · {score}/100 · {band} · {answered} of {total} answered"
INTERVIEW_MORE = "… and {n} more parts of the study list."

# The mock interview in direct messages (Discord) or private replies, with buttons.
INTERVIEW_HINT_FORM = ("No feedback until the end, as in a real screen. **Answer** opens a form, **Skip** "
                       "leaves the question unanswered (it counts as missed), **Stop** ends the interview.")
INTERVIEW_IN_DMS = "Your interview is in your direct messages: {link}. It ends {when}."
INTERVIEW_STILL_IN_DMS = ("Your interview is still running: question {n} of {total} is in your direct messages "
                          "again: {link}. It ends {when}.")
INTERVIEW_DMS_CLOSED = ("I cannot send you direct messages, so your interview runs here, in private replies. It "
                        "ends {when}. Its scorecard is shown only when you finish or stop it, or later in {history}.")
INTERVIEW_GONE = "That interview is over. {history} lists your scorecards; {start} starts a new one."
INTERVIEW_NONE_RUNNING = "You have no interview running. {start} starts one; {history} lists your scorecards."
INTERVIEW_EMPTY_BUTTONS = "Say something: an empty answer is not stored. **Skip** leaves the question unanswered."
INTERVIEW_FORM_HINT = "No feedback until the end. Say it as you would in the room."
INTERVIEW_FORM_LETTER = "Answer with one letter: {letters}."

# A community's rules for live quizzes (``settings live ...``).
LIVE_RULE_WHO = "Who may start a live quiz: `who=anyone` or `who=admins`."
LIVE_RULE_UNKNOWN = "Unknown live-quiz rule {key!r}. Rules: {keys} (e.g. `settings live who=admins cooldown=120`)."
LIVE_RULE_RANGE = "{key} must be a whole number from {low} to {high}, not {value!r}."
LIVE_RULES = ("Live quizzes: {who} may start one · {channel} at once per channel · {community} per community · "
              "{cooldown} s cool-down ({source}).")
