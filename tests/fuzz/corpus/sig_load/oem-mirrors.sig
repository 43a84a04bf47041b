# OEM partner mirrors: hosts outside Kaspersky's domains that serve a
# Kaspersky-layout update tree to white-labelled and embedded products
# (research addendum). A partner host may also serve the partner's own
# content, so these are exact names in their own category: switch it off
# (category oem mode=off, or kasblock-sig --mode oem=off) where that matters.
# Customer-run mirrors can have any name; what gives them away is the update
# tree's path layout (/index/u0607g.xml, /index/u1313g.xml), which a name
# pack cannot see (docs/signatures.md, "What a name pack cannot see").

pack name=kaspersky-oem-mirrors version=1.0.0 date=2026-11-26

block 7001  exact=kav8.zonealarm.com     category=oem conf=high   ref=https://supportcenter.checkpoint.com/supportcenter/portal?eventSubmit_doGoviewsolutiondetails=&solutionid=sk83520 desc="Check Point mirror (/v6/index/u1313g.xml) for ZoneAlarm, endpoint Anti-Malware and gateway anti-virus"
block 7002  exact=kav8.checkpoint.com    category=oem conf=medium ref=https://supportcenter.checkpoint.com/supportcenter/portal?eventSubmit_doGoviewsolutiondetails=&solutionid=sk83520 desc="Check Point Traditional Anti-Virus update host"
