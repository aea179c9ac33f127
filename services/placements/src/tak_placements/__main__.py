from tak_placements.main import main

main()
