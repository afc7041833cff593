from landrelease.cli.main import main

main()
