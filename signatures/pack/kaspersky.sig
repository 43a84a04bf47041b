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
block 1027  exact=dnl-17.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 17, all product lines (S6, S8)"
block 1028  exact=dnl-18.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 18, all product lines (S6, S8)"
block 1029  exact=dnl-19.geo.kaspersky.com                category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Numbered update mirror 19, all product lines (S6, S8)"
block 1030  domain=upd.kaspersky.com                      category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Current update pool: sNN, pNN, downloads (S1, S2, S6); also the SDK default (S24)"
block 1040  exact=s00.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1041  exact=s01.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1042  exact=s02.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1043  exact=s03.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1044  exact=s04.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1045  exact=s05.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1046  exact=s06.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1047  exact=s07.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1048  exact=s08.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1049  exact=s09.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1050  exact=s10.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1051  exact=s11.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1052  exact=s12.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1053  exact=s13.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1054  exact=s14.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1055  exact=s15.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1056  exact=s16.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1057  exact=s17.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1058  exact=s18.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1059  exact=s19.upd.kaspersky.com                   category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Databases and application modules, HTTPS 443 (S1, S2)"
block 1060  exact=p00.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1061  exact=p01.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1062  exact=p02.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1063  exact=p03.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1064  exact=p04.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1065  exact=p05.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1066  exact=p06.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1067  exact=p07.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1068  exact=p08.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1069  exact=p09.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1070  exact=p10.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1071  exact=p11.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1072  exact=p12.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1073  exact=p13.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1074  exact=p14.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1075  exact=p15.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1076  exact=p16.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1077  exact=p17.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1078  exact=p18.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1079  exact=p19.upd.kaspersky.com                   category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Second numbered update pool, role undocumented (S6)"
block 1080  exact=downloads.upd.kaspersky.com             category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Updates and reachability probe; failure triggers the public-DNS fallback (S1, S2)"
block 1081  exact=cm.k.kaspersky-labs.com                 category=update       conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Listed with the sNN.upd hosts for database and module updates (S1, S2)"
block 1082  exact=dnl-test.kaspersky-labs.com             category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Update-tree file server, test tree (S26: public copies of served files, no URL recorded)"
block 1083  exact=dnl-cn3.kaspersky-labs.com              category=update       conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Update-tree file server, China node (S26: public copies of served files, no URL recorded)"
block 1084  exact=downloads1.kaspersky-labs.com           category=update       conf=medium ref=https://support.kaspersky.com/ScanEngine/2.0/en-US/218188.htm desc="Hard-coded fallback update source of the updater library, HTTP and FTP (S12, S29); SDK default servers (S24)"
block 1085  exact=downloads2.kaspersky-labs.com           category=update       conf=medium ref=https://support.kaspersky.com/ScanEngine/2.0/en-US/218188.htm desc="Hard-coded fallback update source of the updater library, HTTP and FTP (S12, S29); SDK default servers (S24)"
block 1086  exact=downloads3.kaspersky-labs.com           category=update       conf=medium ref=https://support.kaspersky.com/ScanEngine/2.0/en-US/218188.htm desc="Hard-coded fallback update source of the updater library, HTTP and FTP (S12, S29); SDK default servers (S24)"
block 1087  exact=downloads4.kaspersky-labs.com           category=update       conf=medium ref=https://support.kaspersky.com/ScanEngine/2.0/en-US/218188.htm desc="Hard-coded fallback update source of the updater library, HTTP and FTP (S12, S29); SDK default servers (S24)"
block 1088  exact=downloads5.kaspersky-labs.com           category=update       conf=medium ref=https://support.kaspersky.com/ScanEngine/2.0/en-US/218188.htm desc="Hard-coded fallback update source of the updater library, HTTP and FTP (S12, S29); SDK default servers (S24)"
block 1089  exact=downloads.kaspersky-labs.com            category=update       conf=low    ref=https://github.com/Thoseyearsbrian/Aegis desc="Older download/update host from third-party lists (S31 and others)"
block 1090  exact=updates1.kaspersky-labs.com             category=update       conf=low    ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Legacy (2000s) update host (S29: hosts-file blockers, no URL recorded)"
block 1091  exact=updates2.kaspersky-labs.com             category=update       conf=low    ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Legacy (2000s) update host (S29: hosts-file blockers, no URL recorded)"
block 1092  exact=updates3.kaspersky-labs.com             category=update       conf=low    ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Legacy (2000s) update host (S29: hosts-file blockers, no URL recorded)"
block 1093  exact=downloads-us1.kaspersky-labs.com        category=update       conf=low    ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Legacy (2000s) US update host (S29, no URL recorded)"
block 1094  exact=updates-us1.kaspersky-labs.com          category=update       conf=low    ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Legacy (2000s) US update host (S29, no URL recorded)"
block 1095  exact=ftp.downloads1.kaspersky-labs.com       category=update       conf=low    ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Legacy (2000s) FTP update host (S29, no URL recorded)"
block 1096  exact=ftp.downloads2.kaspersky-labs.com       category=update       conf=low    ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Legacy (2000s) FTP update host (S29, no URL recorded)"
block 1097  exact=ftp.downloads3.kaspersky-labs.com       category=update       conf=low    ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Legacy (2000s) FTP update host (S29, no URL recorded)"

# ---- download: installers and distribution ----
block 2001  exact=products.s.kaspersky-labs.com           category=download     conf=medium ref=https://github.com/CNMan/WindowsSoftwaresDownload desc="Installers: Update Utility, Linux packages, server products (S11, S13)"
block 2002  exact=aes.s.kaspersky-labs.com                category=download     conf=medium ref=https://github.com/CNMan/WindowsSoftwaresDownload desc="KES for Windows distribution kits, HTTPS (S11)"
block 2003  exact=aes.kaspersky-labs.com                  category=download     conf=medium ref=https://github.com/CNMan/WindowsSoftwaresDownload desc="KES for Windows distribution kits, older HTTP host (S11)"
block 2004  exact=products.kaspersky-labs.com             category=download     conf=low    ref=https://github.com/Thoseyearsbrian/Aegis desc="Older installer host (third-party lists)"
block 2005  exact=rescuedisk.kaspersky-labs.com           category=download     conf=medium ref=https://github.com/MarcusZou/KasperskyResDsk-Updater desc="Kaspersky Rescue Disk ISO"
block 2006  exact=devbuilds.kaspersky-labs.com            category=download     conf=medium ref=https://github.com/stamparm/maltrail/blob/master/misc/whitelist.txt desc="Beta and development builds (S7)"
block 2007  exact=download.kaspersky.com                  category=download     conf=low    ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Download host (S14: a public exclude list, no URL recorded)"
block 2008  exact=ds.kaspersky.com                        category=download     conf=low    ref=https://github.com/Thoseyearsbrian/Aegis desc="Named beside the download hosts in AV-endpoint lists; role undocumented (S31 and others)"

# ---- licensing: activation, licence checks, PKI ----
block 3001  domain=activation-v2.kaspersky.com            category=licensing    conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Activation 2.0 service, HTTPS 443; activate. and refresh-bkg. below it (S1, S6)"
block 3002  exact=activation-v2.geo.kaspersky.com         category=licensing    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Geo-balanced activation front (S6)"
block 3003  exact=activation.kaspersky.com                category=licensing    conf=low    ref=https://github.com/malice-plugins/kaspersky/blob/master/NOTES.md desc="Web activation portal, older products (S13)"
block 3004  exact=keyfile.kaspersky.com                   category=licensing    conf=low    ref=https://github.com/malice-plugins/kaspersky/blob/master/NOTES.md desc="Key-file portal, older products (S13)"
block 3005  exact=crl.kaspersky.com                       category=licensing    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Revocation list of Kaspersky's own CA that protects update, activation and KSN TLS (S4, S6)"
block 3006  domain=uis.kaspersky.com                      category=licensing    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="User identity service: My Kaspersky sign-in used for subscription activation, also storefront (S14, no URL recorded)"
block 3007  exact=hq.uis.kaspersky.com                    category=licensing    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Sign-in API front-end (S14: public client code, no URL recorded)"
block 3008  exact=eu.uis.kaspersky.com                    category=licensing    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Sign-in API front-end (S14: public client code, no URL recorded)"
block 3009  exact=auth.uis.kaspersky.com                  category=licensing    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Sign-in API front-end (S14: public client code, no URL recorded)"

# ---- telemetry: Kaspersky Security Network, statistics, crash reports ----
block 4001  domain=ksn.kaspersky-labs.com                 category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="KSN data-centre front-ends: dc1, dc1-file, dc1-cert, dc1-pp, dc1-st, mdr (S6, S10)"
block 4002  domain=geoksn.kaspersky.com                   category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Geo KSN front-ends: ksn-file, ksn-url, ksn-verdict, ksn-info, ... (S6)"
block 4010  exact=ksn-file-geo.kaspersky-labs.com         category=telemetry    conf=medium ref=https://github.com/badmojr/1Hosts/issues/2697 desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4011  exact=ksn-url-geo.kaspersky-labs.com          category=telemetry    conf=medium ref=https://github.com/badmojr/1Hosts/issues/2697 desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4012  exact=ksn-verdict-geo.kaspersky-labs.com      category=telemetry    conf=medium ref=https://github.com/badmojr/1Hosts/issues/2697 desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4013  exact=ksn-info-geo.kaspersky-labs.com         category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4014  exact=ksn-cinfo-geo.kaspersky-labs.com        category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4015  exact=ksn-tcert-geo.kaspersky-labs.com        category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4016  exact=ksn-crypto-info-geo.kaspersky-labs.com  category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4017  exact=ksn-crypto-kas-geo.kaspersky-labs.com   category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4018  exact=ksn-crypto-tcert-geo.kaspersky-labs.com category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4019  exact=ksn-crypto-url-geo.kaspersky-labs.com   category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4020  exact=ksn-crypto-verdict-geo.kaspersky-labs.com category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4021  exact=ksn-crypto-wifiplus-geo.kaspersky-labs.com category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="KSN reputation, verdict, certificate/time or Wi-Fi service (S6, S10)"
block 4022  exact=ksn-stat-geo.kaspersky-labs.com         category=telemetry    conf=medium ref=https://github.com/hagezi/dns-blocklists/issues/327 desc="KSN statistics upload (S9)"
block 4023  exact=kavdumps.kaspersky.com                  category=telemetry    conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Crash-dump upload, FTP (S28: public vulnerability report, no URL recorded)"

# ---- storefront: store, subscriptions, account portals ----
block 5001  exact=my.kaspersky.com                        category=storefront   conf=high   ref=https://support.kaspersky.com/KPMWin/8.5/en-En/86786.htm desc="My Kaspersky: licences, subscriptions, VPN activation, Safe Kids console, Password Manager vault (S13, S14, S17)"
block 5002  exact=center.kaspersky.com                    category=storefront   conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Older My Kaspersky front-end, still the sign-in realm (S14, no URL recorded)"
block 5003  exact=m.kaspersky.com                         category=storefront   conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Mobile My Kaspersky front-end (S14, no URL recorded)"
block 5004  exact=usa.kaspersky.com                       category=storefront   conf=medium ref=https://github.com/malice-plugins/kaspersky/blob/master/NOTES.md desc="US store and marketing site (S13)"
block 5005  exact=algerie.kaspersky.com                   category=storefront   conf=medium ref=https://github.com/easylist/easylist/pull/21332 desc="Regional store site (S32)"

# ---- management: cloud consoles ----
block 6001  domain=ksc.kaspersky.com                      category=management   conf=high   ref=https://help.kaspersky.com/KSC/CloudConsole/de-DE/158830.htm desc="Security Center Cloud Console; agents on TCP 23100-23199, 23700-23799, 27200-27299, 29200-29299 (S3, S30)"
block 6002  domain=cloud.kaspersky.com                    category=management   conf=medium ref=https://securelist.com/ desc="Business Hub / Endpoint Security Cloud / Kaspersky Next consoles, sNNN workspaces, port 8080 seen (S30)"

# ---- brand: corporate and regional sites (the broad coverage rows) ----
block 8001  domain=kaspersky.com                          category=brand        conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Main corporate domain; every product host above sits below it or kaspersky-labs.com"
block 8002  domain=kaspersky-labs.com                     category=brand        conf=high   ref=https://support.kaspersky.com/KESWin/11.6.0/de-DE/202507.htm desc="Infrastructure domain: update, KSN, downloads, content, mail"
block 8003  domain=kaspersky.ru                           category=brand        conf=high   ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Russian corporate site, support.kaspersky.ru (S6, S7)"
block 8010  domain=kaspersky.be                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8011  domain=kaspersky.ca                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8012  domain=kaspersky.co.in                        category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8013  domain=kaspersky.co.jp                        category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8014  domain=kaspersky.co.kr                        category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8015  domain=kaspersky.co.th                        category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8016  domain=kaspersky.co.uk                        category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8017  domain=kaspersky.co.za                        category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8018  domain=kaspersky.com.au                       category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8019  domain=kaspersky.com.br                       category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8020  domain=kaspersky.com.cn                       category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8021  domain=kaspersky.com.hk                       category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8022  domain=kaspersky.com.pl                       category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8023  domain=kaspersky.com.tr                       category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8024  domain=kaspersky.com.tw                       category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8025  domain=kaspersky.com.vn                       category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8026  domain=kaspersky.cz                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8027  domain=kaspersky.de                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8028  domain=kaspersky.dk                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8029  domain=kaspersky.dz                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8030  domain=kaspersky.es                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8031  domain=kaspersky.fi                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8032  domain=kaspersky.fr                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8033  domain=kaspersky.gr                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8034  domain=kaspersky.it                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8035  domain=kaspersky.kz                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8036  domain=kaspersky.ma                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8037  domain=kaspersky.my                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8038  domain=kaspersky.nl                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8039  domain=kaspersky.pt                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8040  domain=kaspersky.ro                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8041  domain=kaspersky.rs                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8042  domain=kaspersky.se                           category=brand        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Regional site (S6, S32)"
block 8050  domain=kaspersky.cn                           category=brand        conf=medium ref=https://github.com/hagezi/dns-blocklists/issues/3793 desc="China support, support.kaspersky.cn (S9)"
block 8051  domain=kas.pr                                 category=brand        conf=medium ref=https://github.com/KasperskyLab desc="Kaspersky link shortener used in Kaspersky's own READMEs (S19)"
block 8052  exact=os.kaspersky.com                        category=brand        conf=medium ref=https://github.com/KasperskyLab desc="KasperskyOS site and SDK downloads (S19)"
block 8053  exact=click.kaspersky.com                     category=brand        conf=medium ref=https://github.com/KasperskyLab desc="Help-link redirector (S19)"

# ---- threat_intel, research, training: not covered by the Final Determination (research C.5) ----
block 9001  exact=opentip.kaspersky.com                   category=threat_intel conf=medium ref=https://opentip.kaspersky.com/ desc="Threat Intelligence Portal (OpenTIP) and its API"
block 9002  exact=tip.kaspersky.com                       category=threat_intel conf=medium ref=https://tip.kaspersky.com/ desc="Threat Intelligence Portal"
block 9101  exact=threats.kaspersky.com                   category=research     conf=medium ref=https://threats.kaspersky.com/ desc="Threat encyclopedia"
block 9102  exact=ics-cert.kaspersky.com                  category=research     conf=medium ref=https://ics-cert.kaspersky.com/ desc="ICS CERT research publication"
block 9110  domain=securelist.com                         category=research     conf=medium ref=https://securelist.com/ desc="Securelist, GReAT research blog (incl. de.securelist.com, cdn.securelist.com) (S18)"
block 9111  domain=securelist.ru                          category=research     conf=medium ref=https://securelist.com/ desc="Securelist, GReAT research blog (incl. de.securelist.com, cdn.securelist.com) (S18)"
block 9112  domain=securelist.fr                          category=research     conf=medium ref=https://securelist.com/ desc="Securelist, GReAT research blog (incl. de.securelist.com, cdn.securelist.com) (S18)"
block 9113  domain=securelist.it                          category=research     conf=medium ref=https://securelist.com/ desc="Securelist, GReAT research blog (incl. de.securelist.com, cdn.securelist.com) (S18)"
block 9114  domain=securelist.lat                         category=research     conf=medium ref=https://securelist.com/ desc="Securelist, GReAT research blog (incl. de.securelist.com, cdn.securelist.com) (S18)"
block 9115  domain=securelist.pl                          category=research     conf=medium ref=https://securelist.com/ desc="Securelist, GReAT research blog (incl. de.securelist.com, cdn.securelist.com) (S18)"
block 9120  domain=kasperskycontenthub.com                category=research     conf=medium ref=https://securelist.com/ desc="Content hub: report PDFs and Securelist assets (S18)"
block 9201  exact=asap.kaspersky.com                      category=training     conf=low    ref=https://asap.kaspersky.com/ desc="Security-awareness training platform"

# ---- legacy: low-confidence standalone domains, off by default (research C.9, D) ----
block 9501  domain=viruslist.com                          category=legacy       conf=low    ref=https://web.archive.org/web/2005/http://www.viruslist.com/ desc="Legacy Kaspersky site, 2000s (S29); may have lapsed"
block 9502  domain=viruslist.ru                           category=legacy       conf=low    ref=https://web.archive.org/web/2005/http://www.viruslist.ru/ desc="Legacy Kaspersky site, 2000s (S29); may have lapsed"
block 9503  domain=avp.ru                                 category=legacy       conf=low    ref=https://web.archive.org/web/2003/http://www.avp.ru/ desc="Legacy Kaspersky site, 2000s (S29); may have lapsed"
block 9504  domain=kasperskylabs.com                      category=legacy       conf=low    ref=https://web.archive.org/web/2005/http://www.kasperskylabs.com/ desc="Legacy Kaspersky domain (S29); may have lapsed"
block 9505  domain=threatpost.com                         category=legacy       conf=low    ref=https://web.archive.org/web/2015/https://threatpost.com/ desc="Kaspersky-run security news site, current status unknown"
block 9506  domain=kaspersky.ua                           category=legacy       conf=low    ref=https://github.com/stamparm/maltrail/blob/master/misc/whitelist.txt desc="Ukrainian site, status after Ukraine's restrictions unknown (S7, S32)"
block 9507  domain=kaspersky.tn                           category=legacy       conf=low    ref=https://github.com/easylist/easylist/pull/21332 desc="Regional store domain, one source (S32)"
block 9508  domain=xn--80akjebc7ajgd.xn--p1ai             category=legacy       conf=low    ref=https://web.archive.org/web/2020/http://xn--80akjebc7ajgd.xn--p1ai/ desc="Cyrillic IDN (kaspersky in Cyrillic, .rf); one mention, registrant unconfirmed"

# ---- other: client indicators, normally answered on the host by the product (research C.7) ----
block 9801  exact=touch.kaspersky.com                     category=other        conf=high   ref=https://support.kaspersky.com/help/KSK/Win23.0/pt-PT/237222.htm desc="Consumer-suite hook, HTTP 80 (S2); seen at the perimeter it points to a product that is not intercepting"
block 9802  domain=kis.v2.scr.kaspersky-labs.com          category=other        conf=medium ref=https://github.com/v2fly/domain-list-community/blob/master/data/kaspersky desc="Injected web-page script gc./ff./me. (S27: public write-ups, no URL recorded)"
