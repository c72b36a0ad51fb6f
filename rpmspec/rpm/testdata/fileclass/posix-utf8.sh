#!/bin/sh
echo héllo
