package dev.lattice.control;
