#!/usr/bin/python3 -s
print(1)
