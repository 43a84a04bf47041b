# Kaspersky signature pack for kasblock.
#
# Format: docs/signatures.md. Sources: S-numbers in the descriptions name the
# research source; ref= is its public URL. Where a source was recorded without
# a public URL, ref= points to the public list that records the parent domain
# as Kaspersky's, and desc says so.
#
# Coverage: every product endpoint found sits under kaspersky.com or
# kaspersky-labs.com (rows 8001, 8002). The exact and narrower rows exist to
# label a hit with its category: the longest matching pattern decides.
# Ids: 1000s update, 2000s download, 3000s licensing, 4000s telemetry,
# 5000s storefront, 6000s management, 8000s brand, 9000s threat_intel,
# 9100s research, 9200s training, 9500s legacy, 9800s other; 7000s are the
# OEM partner mirrors (oem-mirrors.sig). Ids are never reused.
#
# Deliberately absent (research C.1, C.2, C.4): lookalike and attacker
# domains, unverified names (kasperskyupdate.com, kaspersky-lab.com, ...),
# CDNs, resellers, e-commerce platforms, VPN partners, public resolvers.

pack name=kaspersky version=1.0.0 date=2026-11-26

# Category defaults; operators override them (kasblock-sig --mode, config).
# legacy holds standalone domains that may have lapsed: off until checked.
category legacy mode=off
category threat_intel mode=on
category research mode=on
category training mode=on

# ---- update: signature, database and module updates ----
block 1001  domain=geo.kaspersky.com                      category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Geo-balanced update pool (dnl-NN.geo, edge.geo); China nodes CNAME to a CDN (S6, S8)"
block 1002  exact=edge.geo.kaspersky.com                  category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Edge node of the geo update pool (S6)"
block 1010  exact=dnl-00.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 00, all product lines (S6, S8)"
block 1011  exact=dnl-01.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 01, all product lines (S6, S8)"
block 1012  exact=dnl-02.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 02, all product lines (S6, S8)"
block 1013  exact=dnl-03.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 03, all product lines (S6, S8)"
block 1014  exact=dnl-04.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 04, all product lines (S6, S8)"
block 1015  exact=dnl-05.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 05, all product lines (S6, S8)"
block 1016  exact=dnl-06.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 06, all product lines (S6, S8)"
block 1017  exact=dnl-07.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 07, all product lines (S6, S8)"
block 1018  exact=dnl-08.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 08, all product lines (S6, S8)"
block 1019  exact=dnl-09.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 09, all product lines (S6, S8)"
block 1020  exact=dnl-10.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 10, all product lines (S6, S8)"
block 1021  exact=dnl-11.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 11, all product lines (S6, S8)"
block 1022  exact=dnl-12.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 12, all product lines (S6, S8)"
block 1023  exact=dnl-13.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 13, all product lines (S6, S8)"
block 1024  exact=dnl-14.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 14, all product lines (S6, S8)"
block 1025  exact=dnl-15.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 15, all product lines (S6, S8)"
block 1026  exact=dnl-16.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 16, all product lines (S6, S8)"
block 1027  exact=dnl-17.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update 