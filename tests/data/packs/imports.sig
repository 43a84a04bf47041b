pack name=imports-test version=0.1 date=2026-11-26
# plain list: domain kind by default, explicit id base
import file=import_plain.txt category=telemetry id_base=2000000000 ref=https://example.org/list desc="plain list"
# hosts format: exact kind by default, automatic id base
import file=import_hosts.txt category=other
# the same plain list again as exceptions, exact names only, sni only
import file=import_plain.txt category=brand kind=exact action=allow fields=sni id_base=2100000000
block 10 domain=plain-one.example category=brand
