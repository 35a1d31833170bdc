# The kit (package kait_plugin), from the Kait clone this project was made with.
import sys

sys.path.insert(0, "__KIT__")
