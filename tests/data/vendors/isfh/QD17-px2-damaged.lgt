[General]
Operator:	j.doe
Date:	14/05/24
Time:	10:32:05
Measuring device:	LOANA ISFH
Remarks:	

[Sample]
Lot:	QD-batch-17
Cell name:	QD17-px2
Cell area:	0.0400	[cm²]
Polarity:	reverse

[Settings]
Mode: 	light
Intensity:	1	[Suns]

[Conditions]
Temperature start:	25.00	[°C]
Temperature end:	25.03	[°C]

[Results]
Intensity:	1	[suns]
Isc:	1.000	[mA]
Jsc:	25.00	[mA/cm²]
Voc:	620.0	[mV]
FF:	65.00	[%]
Imp:	0.880	[mA]
Vmp:	480.0	[mV]
Pmax:	0.4224	[mW]
Efficiency:	10.56	[%]

[Measurement]
Label1:	Voltage	[V]
Label2:	Current	[A]
Label3:	Temperature	[°C]

**Data**
-0.1000	-1.000000e-03	25.01
-0.0500	-1.000000e-03	25.01
0.0000	-1.000000e-03	25.01
0.0500	-1.000000e-03	25.01
0.1000	-1.000000e-03	25.01
0.1500	-9.999997e-04	25.01
0.2000	x-9.999978e-04	25.01
0.2500	-9.999850e-04	25.01
0.3000	-9.998974e-04	25.01
0.3500	-9.992981e-04	25.01
0.4000	-9.951977e-04	25.01
0.4500	-9.671424e-04	25.01
0.5000	-7.751893e-04	25.01
0.5500	5.381499e-04	25.01
0.6000	9.523988e-03	25.01
