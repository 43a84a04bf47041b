block 1 domain=good-one.example category=brand desc="good line"
block 2 exact=good-two.example category=update
block 3 exact=x.example category=other fields=sni,smtp
