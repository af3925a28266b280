package dev.lattice.proxy;
