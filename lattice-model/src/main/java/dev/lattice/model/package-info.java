package dev.lattice.model;
