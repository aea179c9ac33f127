from tak_evictions.main import main

main()
