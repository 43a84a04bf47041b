block 1 domain=good-one.example category=brand desc="good line"
block 2 exact=good-two.example category=update
import file=err_list.txt category=other id_base=1500000000
