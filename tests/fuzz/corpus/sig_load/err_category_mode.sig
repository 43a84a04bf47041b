block 1 domain=good-one.example category=brand desc="good line"
block 2 exact=good-two.example category=update
category legacy mode=maybe
