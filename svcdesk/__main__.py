from svcdesk.cli import main

main()
