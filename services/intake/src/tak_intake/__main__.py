from tak_intake.main import main

main()
