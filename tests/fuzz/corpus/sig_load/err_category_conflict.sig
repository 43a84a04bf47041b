category legacy mode=off
block 1 domain=good-one.example category=brand desc="good line"
category legacy mode=on
