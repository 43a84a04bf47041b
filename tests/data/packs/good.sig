# a clean pack exercising every key
pack name=good version=2.0 date=2026-11-26
category research mode=allow
block 100 domain=Example.COM. category=brand conf=high ref=https://example.com/#src desc="quoted \"desc\" with \\ and # inside"
allow 101 exact=ok.example.com category=other fields=sni,http_host
block 102   regex="^dnl-[0-9]+\\.geo\\.example\\.com$"   category=update   # trailing comment
block 103 exact=blog.example.com category=research fields=all
