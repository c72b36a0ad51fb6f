#!/usr/bin/perl -w
print 1;
