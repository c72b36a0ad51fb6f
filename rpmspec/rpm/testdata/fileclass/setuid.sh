#!/bin/sh
echo setuid
