package dev.lattice.cli;
