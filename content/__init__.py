"""The question packs, installed with the bot as the `drillbot_content` package."""
