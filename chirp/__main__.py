from chirp.cli import main

main()
