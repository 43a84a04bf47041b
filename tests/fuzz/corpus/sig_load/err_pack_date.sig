block 1 domain=good-one.example category=brand desc="good line"
block 2 exact=good-two.example category=update
pack name=t version=1 date=26-11-2026
