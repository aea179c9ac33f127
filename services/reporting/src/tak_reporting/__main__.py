from tak_reporting.main import main

main()
