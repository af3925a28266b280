package dev.lattice.testkit;
