import gc

# Start-up builds hundreds of thousands of objects (jieba's dictionary, the routers, every module) and
# would run the cycle collector over them again and again; the long-running commands switch it back on
# once they are warm (bot.cli.common.warmed_up), every other command at once (bot.cli).
gc.disable()

from bot.cli import main  # noqa: E402

main()
