#!/usr/bin/zsh
echo hello
